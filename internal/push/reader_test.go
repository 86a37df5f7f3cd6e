package push

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// readRecords reads text as an input of format f.
func readRecords(t *testing.T, f Format, text string) ([]record, *source, error) {
	t.Helper()
	in := NewInput("test", strings.NewReader(text), int64(len(text)))
	src, err := prepare(in, f)
	if err != nil {
		t.Fatal(err)
	}
	var recs []record
	emit := func(r record) error {
		recs = append(recs, r)
		return nil
	}
	if src.format == FormatCSV {
		err = readCSV(src, in, emit)
	} else {
		err = readJSONL(src, in, emit)
	}
	return recs, src, err
}

// checkOrder fails unless every record comes after the one before and
// every entry and block is valid JSON within the limits.
func checkOrder(t *testing.T, recs []record) {
	t.Helper()
	for i, r := range recs {
		if r.to.before(r.from) {
			t.Errorf("record %d: from %v after to %v", i, r.from, r.to)
		}
		if i > 0 && !recs[i-1].to.before(r.from) {
			t.Errorf("record %d from %v does not follow %v", i, r.from, recs[i-1].to)
		}
		if r.entry == nil {
			continue
		}
		if !json.Valid(r.entry.raw) {
			t.Errorf("record %d: entry is not JSON: %s", i, r.entry.raw)
		}
		if len(r.entry.blocks) > MaxBlocks || len(r.entry.raw) > maxEntry {
			t.Errorf("record %d: %d blocks, %d bytes", i, len(r.entry.blocks), len(r.entry.raw))
		}
		for _, b := range r.entry.blocks {
			if !bytes.Contains(r.entry.raw, b.raw) {
				t.Errorf("record %d: block %s not in the entry", i, b.raw)
			}
		}
	}
}

// csvLines makes a CSV input of n memberships of user.
func csvLines(user string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s,,%d,,,1,1440\n", user, 1000+i)
	}
	return b.String()
}

const csvHeader = "user_id,domain,seg_id,seg_code,member_id,value,expiration\n"

func TestReadCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		entries []string // the entries' JSON, in order
		blocks  []int    // or their block counts
		notes   []int    // lines of the client's warnings
		err     error
	}{
		{
			name: "one user, adjacent lines",
			text: csvHeader + "123,,10001,,,1,1440\n123,,10002,,,,\n",
			entries: []string{`{"user_id":"123","seg_block":[` +
				`{"seg_id":10001,"value":1,"expiration":1440},{"seg_id":10002}]}`},
		},
		{
			name: "domain, code and member",
			text: csvHeader + "AB-CD,idfa,,abcd,1661,5,-1\n",
			entries: []string{`{"user_id":"AB-CD","domain":"idfa","seg_block":[` +
				`{"seg_code":"abcd","member_id":1661,"value":5,"expiration":-1}]}`},
		},
		{
			name: "users apart",
			text: csvHeader + "1,,10001,,,,\n2,,10001,,,,\n1,,10002,,,,\n",
			entries: []string{`{"user_id":"1","seg_block":[{"seg_id":10001}]}`,
				`{"user_id":"2","seg_block":[{"seg_id":10001}]}`,
				`{"user_id":"1","seg_block":[{"seg_id":10002}]}`},
		},
		{
			name: "same id, other domain",
			text: csvHeader + "1,,10001,,,,\n1,md5udid,10001,,,,\n",
			entries: []string{`{"user_id":"1","seg_block":[{"seg_id":10001}]}`,
				`{"user_id":"1","domain":"md5udid","seg_block":[{"seg_id":10001}]}`},
		},
		{
			name: "columns in another order, fewer",
			text: "seg_id,user_id\r\n10001,42\r\n",
			entries: []string{
				`{"user_id":"42","seg_block":[{"seg_id":10001}]}`},
		},
		{
			name: "byte order mark and quoting",
			text: "\xEF\xBB\xBF" + csvHeader + `"4""2",,10001,,,,` + "\n",
			entries: []string{
				`{"user_id":"4\"2","seg_block":[{"seg_id":10001}]}`},
		},
		{
			name: "non-integers go as strings",
			text: csvHeader + "1,,ten,,,1.5,\n",
			entries: []string{
				`{"user_id":"1","seg_block":[{"seg_id":"ten","value":"1.5"}]}`},
		},
		{
			name:   "250 segments of one user",
			text:   csvHeader + csvLines("7", 250),
			blocks: []int{100, 100, 50},
		},
		{
			name: "bad lines are skipped, the user goes on",
			text: csvHeader + "1,,10001,,,,\n1,,10002\n1,\"x,10003,,,,\n\xff,,1,,,,\n" +
				"1,,10004,,,,\n",
			entries: []string{`{"user_id":"1","seg_block":[{"seg_id":10001},{"seg_id":10004}]}`},
			notes:   []int{3, 4, 5},
		},
		{
			name:  "bad lines before any user",
			text:  csvHeader + "only,two\n\n1,,10001,,,,\n",
			notes: []int{2},
			entries: []string{
				`{"user_id":"1","seg_block":[{"seg_id":10001}]}`},
		},
		{name: "empty input", text: ""},
		{name: "header only", text: csvHeader},
		{name: "unknown column", text: "user_id,seg_id,colour\n", err: ErrHeader},
		{name: "column twice", text: "user_id,seg_id,seg_id\n", err: ErrHeader},
		{name: "no user column", text: "seg_id,domain\n", err: ErrHeader},
		{name: "no segment column", text: "user_id,domain\n", err: ErrHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			recs, _, err := readRecords(t, FormatCSV, tt.text)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			checkOrder(t, recs)
			var entries []string
			var blocks, notes []int
			for _, r := range recs {
				if r.entry != nil {
					entries = append(entries, string(r.entry.raw))
					blocks = append(blocks, len(r.entry.blocks))
				}
				for _, w := range r.notes {
					notes = append(notes, w.Line)
				}
			}
			if tt.entries != nil && strings.Join(entries, "\n") != strings.Join(tt.entries, "\n") {
				t.Errorf("entries\n%s\nwant\n%s", strings.Join(entries, "\n"),
					strings.Join(tt.entries, "\n"))
			}
			if tt.blocks != nil && fmt.Sprint(blocks) != fmt.Sprint(tt.blocks) {
				t.Errorf("blocks per entry %v, want %v", blocks, tt.blocks)
			}
			if fmt.Sprint(notes) != fmt.Sprint(tt.notes) && len(notes)+len(tt.notes) > 0 {
				t.Errorf("warnings on lines %v, want %v", notes, tt.notes)
			}
		})
	}
}

func TestReadCSVBlockLines(t *testing.T) {
	t.Parallel()
	recs, src, err := readRecords(t, FormatAuto, csvHeader+csvLines("9", 3)+"8,,1,,,,\n")
	if err != nil {
		t.Fatal(err)
	}
	if src.format != FormatCSV {
		t.Fatalf("detected %s", src.format)
	}
	e := recs[0].entry
	if e.first != 2 || e.last != 4 || e.blocks[0].line != 2 || e.blocks[2].line != 4 {
		t.Errorf("lines %d-%d, blocks %d..%d", e.first, e.last, e.blocks[0].line, e.blocks[2].line)
	}
	if recs[1].from != (Pos{Line: 5}) || src.lines.n != 5 {
		t.Errorf("second record at %v, %d lines read", recs[1].from, src.lines.n)
	}
}

// jsonlUser is a JSON Lines user with n blocks.
func jsonlUser(user string, n int) string {
	blocks := make([]string, n)
	for i := range blocks {
		blocks[i] = fmt.Sprintf(`{"seg_id":%d}`, 1000+i)
	}
	return fmt.Sprintf(`{"user_id":%q,"domain":"idfa","x":1,"seg_block":[%s]}`, user,
		strings.Join(blocks, ", "))
}

func TestReadJSONL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		entries []string
		blocks  []int
		parts   []Pos
		notes   []int
	}{
		{
			name:    "lines go as written",
			text:    ` {"user_id": "1", "seg_block": [ {"seg_id": 1e3} ]}` + "\r\n\n{\"user_id\":\"2\"}\n",
			entries: []string{`{"user_id": "1", "seg_block": [ {"seg_id": 1e3} ]}`, `{"user_id":"2"}`},
			blocks:  []int{1, 0},
			parts:   []Pos{{Line: 1}, {Line: 3}},
		},
		{
			name:   "a user of 250 segments is split",
			text:   jsonlUser("5", 250) + "\n",
			blocks: []int{100, 100, 50},
			parts:  []Pos{{Line: 1}, {Line: 1, Part: 1}, {Line: 1, Part: 2}},
		},
		{
			name:   "split entries keep user and domain",
			text:   jsonlUser("6", 101),
			blocks: []int{100, 1},
			entries: []string{
				`{"user_id":"6","domain":"idfa","seg_block":[` + blockList(0, 100) + `]}`,
				`{"user_id":"6","domain":"idfa","seg_block":[{"seg_id":1100}]}`},
		},
		{
			name:  "bad lines",
			text:  "not json\n[1]\n{\"a\":}\n{\"s\":\"\xff\"}\n\n{\"user_id\":\"1\",\"seg_block\":[]}\n",
			notes: []int{1, 2, 3, 4},
			parts: []Pos{{Line: 1}, {Line: 2}, {Line: 3}, {Line: 4}, {Line: 6}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := FormatAuto
			if tt.notes != nil {
				f = FormatJSONL // the first line is not '{'
			}
			recs, src, err := readRecords(t, f, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if src.format != FormatJSONL {
				t.Fatalf("detected %s", src.format)
			}
			checkOrder(t, recs)
			var entries []string
			var blocks, notes []int
			var parts []Pos
			for _, r := range recs {
				parts = append(parts, r.from)
				if r.entry != nil {
					entries = append(entries, string(r.entry.raw))
					blocks = append(blocks, len(r.entry.blocks))
				}
				for _, w := range r.notes {
					notes = append(notes, w.Line)
				}
			}
			if tt.entries != nil && strings.Join(entries, "\n") != strings.Join(tt.entries, "\n") {
				t.Errorf("entries\n%s\nwant\n%s", strings.Join(entries, "\n"),
					strings.Join(tt.entries, "\n"))
			}
			if tt.blocks != nil && fmt.Sprint(blocks) != fmt.Sprint(tt.blocks) {
				t.Errorf("blocks per entry %v, want %v", blocks, tt.blocks)
			}
			if tt.parts != nil && fmt.Sprint(parts) != fmt.Sprint(tt.parts) {
				t.Errorf("records at %v, want %v", parts, tt.parts)
			}
			if fmt.Sprint(notes) != fmt.Sprint(tt.notes) && len(notes)+len(tt.notes) > 0 {
				t.Errorf("warnings on lines %v, want %v", notes, tt.notes)
			}
		})
	}
}

func blockList(from, to int) string {
	var parts []string
	for i := from; i < to; i++ {
		parts = append(parts, fmt.Sprintf(`{"seg_id":%d}`, 1000+i))
	}
	return strings.Join(parts, ",")
}

// A JSON Lines user larger than a request is cut by bytes too, and a
// block larger than any request is reported.
func TestReadJSONLHuge(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat("x", 300<<10)
	var blocks []string
	for i := range 7 {
		blocks = append(blocks, fmt.Sprintf(`{"seg_id":%d,"pad":"%s"}`, i+1, pad))
	}
	blocks = append(blocks, `{"seg_id":9,"pad":"`+strings.Repeat("y", MaxBody)+`"}`)
	line := `{"user_id":"1","seg_block":[` + strings.Join(blocks, ",") + "]}\n"
	recs, _, err := readRecords(t, FormatJSONL, line)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, recs)
	var got []int
	notes := 0
	for _, r := range recs {
		got = append(got, len(r.entry.blocks))
		notes += len(r.notes)
	}
	if fmt.Sprint(got) != "[3 3 1]" || notes != 1 {
		t.Errorf("blocks per entry %v and %d warnings, want [3 3 1] and 1", got, notes)
	}
}

func TestGzipDetected(t *testing.T) {
	t.Parallel()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(jsonlUser("1", 2) + "\n" + jsonlUser("2", 2) + "\n"))
	zw.Close()
	recs, src, err := readRecords(t, FormatAuto, z.String())
	if err != nil {
		t.Fatal(err)
	}
	if src.format != FormatJSONL || len(recs) != 2 {
		t.Errorf("format %s, %d records", src.format, len(recs))
	}
}
