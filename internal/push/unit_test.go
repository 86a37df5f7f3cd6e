package push

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// batchOf reads a CSV input into one batch.
func batchOf(t *testing.T, text string) *batch {
	t.Helper()
	recs, _, err := readRecords(t, FormatCSV, text)
	if err != nil {
		t.Fatal(err)
	}
	b := newBatch(0)
	for _, r := range recs {
		b.add(r)
	}
	return b
}

func TestLineWarnings(t *testing.T) {
	t.Parallel()
	// Line 2-3: user A with a bad domain, whose block on line 3 is the
	// same text as user B's bad block on line 5.
	b := batchOf(t, csvHeader+"a,nodomain,10001,,,,\na,nodomain,99,,,,\n"+
		"b,,10001,,,,\nb,,99,,,,\nb,,99,,,,\nc,,10001,,,,\n")
	e := func(i int) json.RawMessage { return b.records[i].entry.raw }
	blk := `{"seg_id":99}`
	tests := []struct {
		name string
		ws   []apiWarning
		want []string // "line-last" of each
	}{
		{
			name: "entry, then a block of the next entry written like one of the first",
			ws: []apiWarning{{Message: "Unknown domain 'nodomain'.", Entity: e(0)},
				{Message: "Segment 99 not found.", Entity: json.RawMessage(blk)},
				{Message: "Segment 99 not found.", Entity: json.RawMessage(blk)}},
			want: []string{"2-3", "5-5", "6-6"},
		},
		{
			name: "an entity the walk does not meet keeps no line, the rest still do",
			ws: []apiWarning{{Message: "?", Entity: json.RawMessage(`{"z":1}`)},
				{Message: "x", Entity: e(2)}},
			want: []string{"0-0", "7-7"},
		},
		{
			name: "no valid rt_segment spans the request",
			ws:   []apiWarning{{Message: msgNoValidRequest, Entity: json.RawMessage(`[]`)}},
			want: []string{"2-7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, w := range lineWarnings(b, tt.ws) {
				got = append(got, fmt.Sprintf("%d-%d", w.Line, w.LastLine))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("lines %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBatcher(t *testing.T) {
	t.Parallel()
	var maxEntries atomic.Int64
	maxEntries.Store(3)
	bt := newBatcher(&maxEntries)
	recs, _, err := readRecords(t, FormatCSV, csvHeader+"1,,1,,,,\nbad\n2,,1,,,,\n3,,1,,,,\n"+
		"4,,1,,,,\n5,,1,,,,\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []*batch
	for _, r := range recs {
		if b := bt.add(r); b != nil {
			got = append(got, b)
		}
	}
	got = append(got, bt.flush())
	if len(got) != 2 || got[0].entries != 3 || got[1].entries != 2 || got[1].seq != 1 {
		t.Fatalf("batches %d, entries %d and %d", len(got), got[0].entries, got[1].entries)
	}
	body := got[0].body()
	if len(body) != got[0].size || !json.Valid(body) {
		t.Errorf("body of %d bytes, size %d: %s", len(body), got[0].size, body)
	}
	tests := []struct {
		size int
		want string
	}{
		{size: 0, want: "[2 1]"},
		{size: 3, want: "[2 1]"},
		{size: 1, want: "[1 1 1]"},
	}
	for _, tt := range tests {
		var entries []int
		records := 0
		for _, part := range got[0].split(tt.size) {
			entries = append(entries, part.entries)
			records += len(part.records)
		}
		if fmt.Sprint(entries) != tt.want || records != len(got[0].records) {
			t.Errorf("split(%d) into %v entries, %d records", tt.size, entries, records)
		}
	}
	if bt.flush() != nil {
		t.Error("an empty batch was flushed")
	}
}

// Batches never pass MaxBody, however large the entries.
func TestBatchBytes(t *testing.T) {
	t.Parallel()
	var maxEntries atomic.Int64
	maxEntries.Store(MaxUsers)
	bt := newBatcher(&maxEntries)
	var text strings.Builder
	text.WriteString(csvHeader)
	code := strings.Repeat("c", 40)
	for i := range 12000 {
		fmt.Fprintf(&text, "%d,,,%s,1001,2147483647,259200\n", i/100, code)
	}
	recs, _, err := readRecords(t, FormatCSV, text.String())
	if err != nil {
		t.Fatal(err)
	}
	n, entries := 0, 0
	check := func(b *batch) {
		if b == nil {
			return
		}
		n++
		entries += b.entries
		if body := b.body(); len(body) > MaxBody || !json.Valid(body) {
			t.Errorf("a body of %d bytes", len(body))
		}
	}
	for _, r := range recs {
		check(bt.add(r))
	}
	check(bt.flush())
	if entries != 120 || n < 2 {
		t.Errorf("%d entries in %d batches", entries, n)
	}
}

func TestJournal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "j")
	hdr := journalHeader{Input: "a.csv", Size: 10, Head: "abc", Format: FormatCSV}

	j, done, _, err := openJournal(path, hdr, false)
	if err != nil || len(done.ranges) != 0 {
		t.Fatalf("new journal: %v, %d ranges", err, len(done.ranges))
	}
	for _, r := range [][2]Pos{{{5, 0}, {9, 0}}, {{2, 0}, {4, 0}}, {{12, 1}, {12, 3}}} {
		if err := j.done(r[0], r[1], Totals{Users: 1, Segments: 2, Warnings: 3}); err != nil {
			t.Fatal(err)
		}
	}
	j.close(false)
	// A crash while writing leaves half a line.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"from":[20,0],"to":`)
	f.Close()

	if _, _, _, err := openJournal(path, hdr, false); err == nil {
		t.Error("a journal of an earlier push was overwritten without -resume")
	}
	other := hdr
	other.Head = "abd"
	if _, _, _, err := openJournal(path, other, true); err == nil {
		t.Error("a journal of another input was resumed")
	}
	j, done, earlier, err := openJournal(path, hdr, true)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close(false)
	if earlier != (Totals{Users: 3, Segments: 6, Warnings: 9}) {
		t.Errorf("earlier totals %+v", earlier)
	}
	tests := []struct {
		from, to Pos
		want     bool
	}{
		{Pos{1, 0}, Pos{1, 0}, false},
		{Pos{2, 0}, Pos{3, 0}, true},
		{Pos{5, 0}, Pos{9, 0}, true},
		{Pos{10, 0}, Pos{10, 0}, false},
		{Pos{12, 0}, Pos{12, 0}, false},
		{Pos{12, 1}, Pos{12, 1}, true},
		{Pos{12, 3}, Pos{12, 3}, true},
		{Pos{12, 4}, Pos{12, 4}, false},
		{Pos{20, 0}, Pos{20, 0}, false},
	}
	for _, tt := range tests {
		if got := done.covers(tt.from, tt.to); got != tt.want {
			t.Errorf("covers %v-%v = %t, want %t", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestPacerLearns(t *testing.T) {
	t.Parallel()
	p := newPacer(DefaultUsersPerSecond)
	if got := p.maxEntries.Load(); got != 500 {
		t.Fatalf("batch of %d at the default limit, want 500", got)
	}
	text := "Rate limit exceeded. You have exceeded your request limit of 300 users" +
		" per 1 seconds to rt-segment, please wait"
	if !p.learn(text) || p.maxEntries.Load() != 150 || p.users.Limit() != 300 {
		t.Errorf("after a 429 of 300 users: batch %d, rate %v", p.maxEntries.Load(),
			p.users.Limit())
	}
	p.learn("... limit of 20 writes per 1 seconds to rt-segment")
	if p.calls.Limit() != 20 || p.calls.Burst() != 10 {
		t.Errorf("writes: rate %v burst %d", p.calls.Limit(), p.calls.Burst())
	}
	if p.learn("something else") {
		t.Error("learned from a text without a limit")
	}
}
