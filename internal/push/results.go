package push

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
)

// maxMessages bounds the distinct messages the summary counts apart; the
// rest count together, so that a file of a million distinct problems
// cannot fill memory. Every warning is in the warnings file all the same.
const maxMessages = 1000

// otherMessages is the summary's name for the warnings past maxMessages.
const otherMessages = "(other messages)"

// noValidSegments starts the one warning of the contract that names the
// user: its users count together in the summary.
const noValidSegments = "No valid segments for user_id: "

// results gathers what the answers said and writes the warnings file.
type results struct {
	mu        sync.Mutex
	users     int
	segments  int
	warnings  int
	byMessage map[string]int
	file      *warningsFile
}

func newResults(file *warningsFile) *results {
	return &results{byMessage: map[string]int{}, file: file}
}

// add counts an answer and writes its warnings.
func (r *results) add(users, segments int, ws []Warning) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users += users
	r.segments += segments
	r.warnings += len(ws)
	for _, w := range ws {
		key := w.Message
		if strings.HasPrefix(key, noValidSegments) {
			key = noValidSegments + "<id>."
		}
		if _, ok := r.byMessage[key]; !ok && len(r.byMessage) >= maxMessages {
			key = otherMessages
		}
		r.byMessage[key]++
	}
	if r.file == nil || len(ws) == 0 {
		return nil
	}
	return r.file.write(ws)
}

// warningsFile is the file of every warning, one JSON object a line. It is
// made on the first warning, so that a clean push leaves no empty file.
type warningsFile struct {
	path   string
	append bool // a resumed push adds to the file of the runs before
	f      *os.File
	w      *bufio.Writer
}

func (wf *warningsFile) write(ws []Warning) error {
	if wf.f == nil {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if wf.append {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		f, err := os.OpenFile(wf.path, flags, 0o644)
		if err != nil {
			return fmt.Errorf("the warnings file: %w", err)
		}
		wf.f, wf.w = f, bufio.NewWriterSize(f, 64<<10)
	}
	enc := json.NewEncoder(wf.w)
	enc.SetEscapeHTML(false)
	for _, w := range ws {
		if err := enc.Encode(w); err != nil {
			return fmt.Errorf("writing the warnings file: %w", err)
		}
	}
	// Flushed before the journal records the request, so that a crash
	// can repeat a warning but never lose one.
	if err := wf.w.Flush(); err != nil {
		return fmt.Errorf("writing the warnings file: %w", err)
	}
	return nil
}

func (wf *warningsFile) close() error {
	if wf == nil || wf.f == nil {
		return nil
	}
	return wf.f.Close()
}
