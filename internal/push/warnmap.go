package push

import (
	"bytes"
	"encoding/json"
)

// msgNoValidRequest is the service's warning for a request none of whose
// entries was valid; its entity is the whole array.
const msgNoValidRequest = "No valid rt_segment in request."

// lineWarnings finds the input line of each warning of an answer to b.
//
// The service quotes each item it warns about as it was sent, and lists
// its warnings in the order of the body: an entry's block warnings, then
// the entry's own. So one walk over the body's items, blocks before their
// entry, meets the warnings in turn, and comparing the JSON tells which
// item each is about. An entry that failed its own checks always has a
// warning, which moves the walk past it before the blocks of later entries
// are looked for: a block written the same way in two entries is judged
// the same way in both, so the walk never takes one for the other.
//
// The service writes its answer with encoding/json, which drops the white
// space of the quoted items and escapes <, > and & in their strings; both
// sides are compared in that form.
func lineWarnings(b *batch, ws []apiWarning) []Warning {
	if len(ws) == 0 {
		return nil
	}
	var entries []*entry
	for _, r := range b.records {
		if r.entry != nil {
			entries = append(entries, r.entry)
		}
	}
	flat := newFlattener(entries)
	out := make([]Warning, 0, len(ws))
	ei, bi := 0, 0 // the entry, and the block in it, the walk is at
	for _, w := range ws {
		lw := Warning{Source: FromService, Message: w.Message, Entity: w.Entity}
		if w.Message == msgNoValidRequest && len(entries) > 0 {
			lw.Line, lw.LastLine = entries[0].first, entries[len(entries)-1].last
			out = append(out, lw)
			continue
		}
		entity := flat.json(w.Entity)
		// A warning about nothing the walk meets (it should not happen) is
		// kept without a line, and the walk goes on from where it was.
		ei0, bi0 := ei, bi
		for ; ei < len(entries); ei, bi = ei+1, 0 {
			e, fe := entries[ei], flat.entry(ei)
			if j := findBlock(fe.blocks[bi:], entity); j >= 0 {
				bi += j
				lw.Line, lw.LastLine = e.blocks[bi].line, e.blocks[bi].line
				bi++
				break
			}
			if bytes.Equal(fe.raw, entity) {
				lw.Line, lw.LastLine = e.first, e.last
				ei, bi = ei+1, 0
				break
			}
		}
		if lw.Line == 0 {
			ei, bi = ei0, bi0
		}
		out = append(out, lw)
	}
	return out
}

// findBlock returns the index of the first block sent as entity, or -1.
func findBlock(blocks [][]byte, entity []byte) int {
	for i, b := range blocks {
		if bytes.Equal(b, entity) {
			return i
		}
	}
	return -1
}

// flattener writes JSON as encoding/json writes a json.RawMessage: without
// white space, with <, > and & escaped. Text already in that form, as
// every entry the client builds from CSV, is kept as it is. Each entry is
// flattened once, when the walk first reaches it.
type flattener struct {
	entries []*entry
	flat    []*flatEntry
	compact bytes.Buffer
	escaped bytes.Buffer
}

// flatEntry is an entry and its blocks, flattened.
type flatEntry struct {
	raw    []byte
	blocks [][]byte
}

func newFlattener(entries []*entry) *flattener {
	return &flattener{entries: entries, flat: make([]*flatEntry, len(entries))}
}

func (f *flattener) entry(i int) *flatEntry {
	if f.flat[i] == nil {
		e := f.entries[i]
		fe := &flatEntry{raw: f.json(e.raw), blocks: make([][]byte, len(e.blocks))}
		for j, b := range e.blocks {
			fe.blocks[j] = f.json(b.raw)
		}
		f.flat[i] = fe
	}
	return f.flat[i]
}

// json flattens one JSON text.
func (f *flattener) json(raw []byte) []byte {
	if !bytes.ContainsAny(raw, " \t\r\n<>&\u2028\u2029") {
		return raw
	}
	f.compact.Reset()
	if err := json.Compact(&f.compact, raw); err != nil {
		return raw
	}
	f.escaped.Reset()
	json.HTMLEscape(&f.escaped, f.compact.Bytes())
	return bytes.Clone(f.escaped.Bytes())
}
