package push

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
)

// The journal is a file of JSON lines: a header naming the input, then one
// line per request answered 200 (or per stretch of lines that needed no
// request), giving the range of input positions it covered. Requests hold
// whole records and the input is read the same way every time, so on
// resume every record inside a recorded range is skipped, and nothing the
// service accepted is sent twice.
//
// A line is written as soon as its request is answered, and synced to
// disk, so a crash loses nothing that was answered. Requests run
// concurrently and finish in any order: the ranges are kept apart rather
// than as one high-water mark, which would have to wait for the slowest.

// Errors of opening a journal.
var (
	// ErrJournalExists is a journal holding an earlier push, opened
	// without asking to resume it.
	ErrJournalExists = errors.New("the journal holds an earlier push")
	// ErrJournalMismatch is a journal of another input.
	ErrJournalMismatch = errors.New("the journal is of another input")
)

// journalName marks the header line.
const journalName = "audiencectl push journal"

// journalHeader identifies the input a journal is about.
type journalHeader struct {
	Journal string `json:"journal"`
	Version int    `json:"version"`
	Input   string `json:"input"`
	Size    int64  `json:"size"` // -1 for a pipe
	Head    string `json:"head"` // SHA-256 of the first 64 KiB
	Format  Format `json:"format"`
}

// journalLine is one range that was answered.
type journalLine struct {
	From     [2]int `json:"from"` // line, part
	To       [2]int `json:"to"`
	Users    int    `json:"users"`
	Segments int    `json:"segments"`
	Warnings int    `json:"warnings"`
}

// Totals are what earlier runs of a resumed push did.
type Totals struct {
	Users    int
	Segments int
	Warnings int
}

// journal appends to the journal file.
type journal struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// openJournal opens the journal at path for the input hdr describes. With
// resume, the ranges an earlier run recorded are returned (none when the
// file does not exist); without, a journal that holds ranges is refused.
func openJournal(path string, hdr journalHeader, resume bool) (*journal, *doneSet, Totals,
	error) {
	hdr.Journal, hdr.Version = journalName, 1
	old, lines, err := readJournal(path)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, nil, Totals{}, err
	case exists && !resume && len(lines) > 0:
		return nil, nil, Totals{}, fmt.Errorf("%s: %w", path, ErrJournalExists)
	case exists && resume && (old.Size != hdr.Size || old.Head != hdr.Head ||
		old.Format != hdr.Format):
		return nil, nil, Totals{}, fmt.Errorf("%s (of %s): %w", path, old.Input,
			ErrJournalMismatch)
	}

	j := &journal{path: path}
	var done doneSet
	var earlier Totals
	if exists && resume {
		for _, l := range lines {
			done.add(Pos{l.From[0], l.From[1]}, Pos{l.To[0], l.To[1]})
			earlier.Users += l.Users
			earlier.Segments += l.Segments
			earlier.Warnings += l.Warnings
		}
		done.merge()
		j.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, Totals{}, err
		}
		return j, &done, earlier, nil
	}

	j.f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, Totals{}, err
	}
	if err := j.write(hdr); err != nil {
		j.f.Close()
		return nil, nil, Totals{}, err
	}
	return j, &done, earlier, nil
}

// readJournal reads a journal. A last line cut short by a crash is
// ignored; any other line that does not read is an error.
func readJournal(path string) (journalHeader, []journalLine, error) {
	var hdr journalHeader
	f, err := os.Open(path)
	if err != nil {
		return hdr, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return hdr, nil, fmt.Errorf("reading the journal %s: %w", path, err)
		}
		return hdr, nil, nil // empty: as good as new
	}
	if err := json.Unmarshal(sc.Bytes(), &hdr); err != nil || hdr.Journal != journalName {
		return hdr, nil, fmt.Errorf("%s is not a push journal", path)
	}
	var lines []journalLine
	var bad error
	for n := 2; sc.Scan(); n++ {
		if bad != nil {
			return hdr, nil, bad
		}
		var l journalLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			bad = fmt.Errorf("the journal %s is damaged on line %d: %w", path, n, err)
			continue
		}
		lines = append(lines, l)
	}
	return hdr, lines, sc.Err()
}

// done records a range answered, with what it did.
func (j *journal) done(from, to Pos, t Totals) error {
	return j.write(journalLine{From: [2]int{from.Line, from.Part},
		To: [2]int{to.Line, to.Part}, Users: t.Users, Segments: t.Segments,
		Warnings: t.Warnings})
}

func (j *journal) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	return nil
}

// close closes the journal, and removes it when the push is complete: a
// later push of the same file is a new push.
func (j *journal) close(complete bool) error {
	err := j.f.Close()
	if complete && err == nil {
		err = os.Remove(j.path)
	}
	return err
}

// doneSet holds the ranges recorded, sorted and merged, and answers for
// records met in input order.
type doneSet struct {
	ranges [][2]Pos
	at     int
}

func (d *doneSet) add(from, to Pos) { d.ranges = append(d.ranges, [2]Pos{from, to}) }

// merge sorts the ranges and joins those that overlap: a resumed run may
// record a range around ones recorded before.
func (d *doneSet) merge() {
	slices.SortFunc(d.ranges, func(a, b [2]Pos) int {
		switch {
		case a[0].before(b[0]):
			return -1
		case b[0].before(a[0]):
			return 1
		}
		return 0
	})
	var out [][2]Pos
	for _, r := range d.ranges {
		if n := len(out); n > 0 && !out[n-1][1].before(r[0]) {
			if out[n-1][1].before(r[1]) {
				out[n-1][1] = r[1]
			}
			continue
		}
		out = append(out, r)
	}
	d.ranges = out
}

// covers reports whether the record from..to was answered before. Calls
// come in input order.
func (d *doneSet) covers(from, to Pos) bool {
	for d.at < len(d.ranges) && d.ranges[d.at][1].before(from) {
		d.at++
	}
	if d.at == len(d.ranges) {
		return false
	}
	r := d.ranges[d.at]
	return !from.before(r[0]) && !r[1].before(to)
}
