package push

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"unicode/utf8"
)

// readJSONL reads JSON Lines, one rt_segment user entry a line, handing
// each record to emit. A line is sent as it was written whenever it fits
// in one entry, so that the service judges exactly what the file says; a
// line with more than MaxBlocks seg blocks is rewritten into several
// entries of its user_id, domain and blocks (other keys are left out).
func readJSONL(src *source, in *Input, emit func(record) error) error {
	for {
		line, n, long, err := src.lines.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		recs := jsonlLine(line, n, long)
		for i := range recs {
			recs[i].offset = src.offset(in)
			if err := emit(recs[i]); err != nil {
				return err
			}
		}
	}
}

// jsonlLine turns one line into its records: none for a blank line, one
// for a line that fits in an entry or a warning, several for a line split
// over several entries.
func jsonlLine(line []byte, n int, long bool) []record {
	at := Pos{Line: n}
	note := func(msg, detail string, text []byte) []record {
		return []record{{from: at, to: at,
			notes: []Warning{clientWarning(n, msg, detail, text)}}}
	}
	line = trimJSONSpace(line)
	switch {
	case long:
		return note(msgLongLine, "", nil)
	case len(line) == 0:
		return nil
	case !utf8.Valid(line):
		return note(msgNotUTF8, "", line)
	case line[0] != '{':
		return note(msgNotObject, "", line)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return note(msgNotJSON, err.Error(), line)
	}
	var blocks []json.RawMessage
	if segs := fields["seg_block"]; len(segs) > 0 && segs[0] == '[' {
		// Valid JSON already: this cannot fail.
		_ = json.Unmarshal(segs, &blocks)
	}

	if len(blocks) <= MaxBlocks && len(line) <= maxEntry {
		e := &entry{raw: slices.Clone(line), first: n, last: n,
			blocks: make([]block, len(blocks))}
		for i, b := range blocks {
			e.blocks[i] = block{raw: b, line: n}
		}
		return []record{{from: at, to: at, entry: e}}
	}
	if len(blocks) == 0 {
		return note(msgEntryTooLarge, "", line)
	}

	c := newChunker(entryHead(fields["user_id"], fields["domain"]))
	for _, b := range blocks {
		c.add(block{raw: b, line: n})
	}
	c.flush()
	recs := make([]record, 0, len(c.out))
	for i, e := range c.out {
		p := Pos{Line: n, Part: i}
		recs = append(recs, record{from: p, to: p, entry: e})
	}
	if len(recs) == 0 {
		return []record{{from: at, to: at, notes: c.dropped}}
	}
	recs[0].notes = c.dropped
	return recs
}
