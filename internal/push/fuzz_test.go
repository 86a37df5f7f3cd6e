package push

import (
	"encoding/json"
	"strings"
	"testing"
)

// The readers take files from anywhere: whatever the bytes, they must not
// fail on a line, and every entry they make must be JSON within the limits,
// in input order. checkOrder says so.

func FuzzReadCSV(f *testing.F) {
	f.Add(csvHeader + "1,,10001,,,1,1440\n1,,10002,,,,\n")
	f.Add("seg_id,user_id\n\"1\"\"\",x\n\"unclosed,\n,\n")
	f.Add(csvHeader + "\xff,,1,,,,\n" + strings.Repeat("7,,1,,,,\n", 130))
	f.Add("user_id,seg_code,member_id\na,\"c,\"\"d\",-0\n\x00,\u2028,+12\n")
	f.Fuzz(func(t *testing.T, text string) {
		recs, _, err := readRecords(t, FormatCSV, text)
		if err != nil {
			return // a bad header ends the input before any record
		}
		checkOrder(t, recs)
		for _, r := range recs {
			if r.entry == nil {
				continue
			}
			var e struct {
				UserID   string            `json:"user_id"`
				SegBlock []json.RawMessage `json:"seg_block"`
			}
			if err := json.Unmarshal(r.entry.raw, &e); err != nil ||
				len(e.SegBlock) != len(r.entry.blocks) {
				t.Fatalf("entry %s: %v", r.entry.raw, err)
			}
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add(`{"user_id":"1","seg_block":[{"seg_id":1}]}` + "\n")
	f.Add("{\"a\":1}\r\n\n[1]\nnull\n{\"seg_block\":{}}\n{")
	f.Add(jsonlUser("x", 150) + "\n" + `{"user_id":1,"seg_block":[1,"2",null]}`)
	f.Fuzz(func(t *testing.T, text string) {
		recs, _, err := readRecords(t, FormatJSONL, text)
		if err != nil {
			t.Fatal(err)
		}
		checkOrder(t, recs)
	})
}

func FuzzSplitCSV(f *testing.F) {
	f.Add(`a,"b,""c""",`)
	f.Add(`"`)
	f.Fuzz(func(t *testing.T, line string) {
		fields, _, err := splitCSV([]byte(line), nil, nil)
		if err != nil {
			return
		}
		// Written back quoted, the fields split the same again.
		quoted := make([]string, len(fields))
		for i, f := range fields {
			quoted[i] = `"` + strings.ReplaceAll(string(f), `"`, `""`) + `"`
		}
		again, _, err := splitCSV([]byte(strings.Join(quoted, ",")), nil, nil)
		if err != nil || len(again) != len(fields) {
			t.Fatalf("%q: fields %q, written back and split: %q, %v", line, fields, again, err)
		}
		for i := range fields {
			if string(again[i]) != string(fields[i]) {
				t.Fatalf("%q: field %d %q came back as %q", line, i, fields[i], again[i])
			}
		}
	})
}
