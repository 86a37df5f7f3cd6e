package push

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// csvColumns are the columns a CSV header may name, in the usual order.
var csvColumns = []string{"user_id", "domain", "seg_id", "seg_code", "member_id", "value",
	"expiration"}

// csvIntColumns are the columns written as JSON integers when they hold one.
var csvIntColumns = map[string]bool{"seg_id": true, "member_id": true, "value": true,
	"expiration": true}

// ErrHeader is a CSV header the client cannot read; nothing was sent.
var ErrHeader = errors.New("bad CSV header")

// csvReader turns CSV lines into records. Adjacent lines of one user (the
// same user_id and domain, as written) become one entry, split every
// MaxBlocks lines.
type csvReader struct {
	src  *source
	emit func(record) error
	in   *Input

	cols   []string // the header's column names, by position
	userAt int      // the position of user_id
	domAt  int      // the position of domain, -1 without one

	// The user being read, and what is pending for its next record.
	user, domain []byte
	chunk        *chunker
	notes        []Warning

	fields  [][]byte
	scratch []byte
}

// readCSV reads the whole input, handing each record to emit.
func readCSV(src *source, in *Input, emit func(record) error) error {
	r := &csvReader{src: src, emit: emit, in: in, domAt: -1}
	if err := r.header(); err != nil {
		return err
	}
	for {
		line, n, long, err := src.lines.next()
		if errors.Is(err, io.EOF) {
			return r.flush()
		}
		if err != nil {
			return err
		}
		if err := r.line(line, n, long); err != nil {
			return err
		}
	}
}

// header reads the first line that is not blank as the header.
func (r *csvReader) header() error {
	for {
		line, n, long, err := r.src.lines.next()
		if errors.Is(err, io.EOF) {
			return nil // an empty input: nothing to send
		}
		if err != nil {
			return err
		}
		if long {
			return fmt.Errorf("%w: line %d is not a header", ErrHeader, n)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return r.parseHeader(line, n)
	}
}

func (r *csvReader) parseHeader(line []byte, n int) error {
	fields, _, err := splitCSV(line, nil, nil)
	if err != nil {
		return fmt.Errorf("%w on line %d: %w", ErrHeader, n, err)
	}
	seen := map[string]bool{}
	r.userAt = -1
	for i, f := range fields {
		name := strings.ToLower(strings.TrimSpace(string(f)))
		if !isColumn(name) {
			return fmt.Errorf("%w on line %d: unknown column %q; the columns are %s",
				ErrHeader, n, clipText(f), strings.Join(csvColumns, ","))
		}
		if seen[name] {
			return fmt.Errorf("%w on line %d: column %s given twice", ErrHeader, n, name)
		}
		seen[name] = true
		r.cols = append(r.cols, name)
		switch name {
		case "user_id":
			r.userAt = i
		case "domain":
			r.domAt = i
		}
	}
	if r.userAt < 0 || !seen["seg_id"] && !seen["seg_code"] {
		return fmt.Errorf("%w on line %d: it needs user_id and seg_id or seg_code;"+
			" the columns are %s", ErrHeader, n, strings.Join(csvColumns, ","))
	}
	return nil
}

func isColumn(name string) bool {
	for _, c := range csvColumns {
		if c == name {
			return true
		}
	}
	return false
}

// line reads one membership.
func (r *csvReader) line(line []byte, n int, long bool) error {
	switch {
	case long:
		return r.note(clientWarning(n, msgLongLine, "", nil))
	case len(bytes.TrimSpace(line)) == 0:
		return nil
	case !utf8.Valid(line):
		return r.note(clientWarning(n, msgNotUTF8, "", line))
	}
	fields, scratch, err := splitCSV(line, r.fields, r.scratch)
	r.scratch = scratch
	if err != nil {
		return r.note(clientWarning(n, msgCSVSyntax, err.Error(), line))
	}
	r.fields = fields
	if len(fields) != len(r.cols) {
		detail := fmt.Sprintf("%d fields, the header has %d", len(fields), len(r.cols))
		return r.note(clientWarning(n, msgCSVFields, detail, line))
	}

	user := fields[r.userAt]
	var domain []byte
	if r.domAt >= 0 {
		domain = fields[r.domAt]
	}
	if r.chunk == nil || !bytes.Equal(user, r.user) || !bytes.Equal(domain, r.domain) {
		if err := r.flush(); err != nil {
			return err
		}
		r.startUser(user, domain)
	}
	r.chunk.add(block{raw: r.blockJSON(fields), line: n})
	return r.emitChunks(false)
}

// startUser begins the entries of a user.
func (r *csvReader) startUser(user, domain []byte) {
	r.user = append(r.user[:0], user...)
	r.domain = append(r.domain[:0], domain...)
	var dom []byte
	if len(bytes.TrimSpace(domain)) > 0 {
		dom = appendString(nil, domain)
	}
	r.chunk = newChunker(entryHead(appendString(nil, user), dom))
}

// blockJSON writes a line's seg block, leaving out the empty fields.
func (r *csvReader) blockJSON(fields [][]byte) []byte {
	b := make([]byte, 0, 64)
	b = append(b, '{')
	for i, name := range r.cols {
		if i == r.userAt || i == r.domAt {
			continue
		}
		v := fields[i]
		if csvIntColumns[name] {
			v = bytes.TrimSpace(v)
		}
		if len(v) == 0 {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		if csvIntColumns[name] {
			b = appendInteger(b, v)
		} else {
			b = appendString(b, v)
		}
	}
	return append(b, '}')
}

// note keeps a warning of the client. Within a user's lines it waits for
// the user's record, so that records stay in line order; otherwise it
// goes out alone.
func (r *csvReader) note(w Warning) error {
	r.notes = append(r.notes, w)
	if r.chunk == nil {
		return r.emitPending(nil)
	}
	return nil
}

// emitChunks hands over the entries the chunker has closed; with all, the
// one being built too.
func (r *csvReader) emitChunks(all bool) error {
	if all || r.chunk.full() {
		r.chunk.flush()
	}
	r.notes = append(r.notes, r.chunk.dropped...)
	r.chunk.dropped = nil
	for _, e := range r.chunk.out {
		if err := r.emitPending(e); err != nil {
			return err
		}
	}
	r.chunk.out = r.chunk.out[:0]
	return nil
}

// emitPending sends a record of e (which may be nil) and the notes
// waiting. Every line it covers comes after those of the records before.
func (r *csvReader) emitPending(e *entry) error {
	rec := record{entry: e, notes: r.notes, offset: r.src.offset(r.in)}
	first, last := math.MaxInt, 0
	if e != nil {
		first, last = e.first, e.last
	}
	for _, w := range r.notes {
		first, last = min(first, w.Line), max(last, w.Line)
	}
	rec.from, rec.to = Pos{Line: first}, Pos{Line: last}
	r.notes = nil
	return r.emit(rec)
}

// flush closes the user being read, and sends the notes still waiting.
func (r *csvReader) flush() error {
	if r.chunk != nil {
		if err := r.emitChunks(true); err != nil {
			return err
		}
		r.chunk = nil
	}
	if len(r.notes) > 0 {
		return r.emitPending(nil)
	}
	return nil
}
