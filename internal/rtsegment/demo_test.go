package rtsegment

import (
	"encoding/json"
	"strings"
	"testing"
)

// demoSegments are the segments of the contract's demo data.
var demoSegments = []Segment{
	{ID: 1, MemberID: 1001, Active: true},
	{ID: 12, MemberID: 1001, Active: true},
	{ID: 10001, MemberID: 1001, Active: true},
	{ID: 10002, MemberID: 1001, Active: true},
	{ID: 23784, MemberID: 1001, Active: true},
	{ID: 20001, MemberID: 1661, Code: "abcd", Active: true},
	{ID: 20002, MemberID: 1262, Code: "zywx", Active: true},
}

// demoPolicy is member 1001 of the demo data, which may populate the
// segments of 1661 and 1262. extra segments are added to the demo ones.
func demoPolicy(extra ...Segment) Policy {
	segs := append(append([]Segment{}, demoSegments...), extra...)
	return Policy{
		MemberID: 1001,
		MayPopulate: func(owner int64) bool {
			return owner == 1001 || owner == 1661 || owner == 1262
		},
		Lookup: func(ref SegmentRef) (Segment, bool) {
			for _, s := range segs {
				if ref.ID != 0 && s.ID == ref.ID ||
					ref.ID == 0 && s.MemberID == ref.MemberID && s.Code != "" &&
						strings.EqualFold(s.Code, ref.Code) {
					return s, true
				}
			}
			return Segment{}, false
		},
	}
}

// answer builds the body the service sends for res, as a JSON value.
func answer(res *Result) any {
	type warning struct {
		Message string          `json:"message"`
		Entity  json.RawMessage `json:"entity"`
	}
	ws := make([]warning, len(res.Warnings))
	for i, w := range res.Warnings {
		ws[i] = warning(w)
	}
	body := map[string]any{"response": map[string]any{
		"status": "OK",
		"message": map[string]any{
			"users_in_request":    res.UsersInRequest,
			"segments_in_request": res.SegmentsInRequest,
		},
		"warnings": ws,
	}}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		panic(err)
	}
	return v
}

// Texts the tests repeat. They are written out rather than taken from the
// package so that a changed wire text fails a test.
const (
	noValid    = "No valid rt_segment in request."
	okBlock    = `{"seg_id":10001}`
	okBlocks   = `"seg_block":[` + okBlock + `]`
	userNeeded = "'user_id' is required and cannot be empty"
)

// run parses body and checks it against the demo policy with the extra
// segments, failing the test on a syntax error.
func run(t testing.TB, body string, lim Limits, extra ...Segment) *Result {
	t.Helper()
	req, err := Parse([]byte(body), lim)
	if err != nil {
		t.Fatalf("Parse(%.200q): %v", body, err)
	}
	return req.Check(demoPolicy(extra...))
}

// messages lists the warning messages of res in order.
func messages(res *Result) []string {
	out := make([]string, len(res.Warnings))
	for i, w := range res.Warnings {
		out[i] = w.Message
	}
	return out
}

// userKeys lists the accepted users of res as "domain/id".
func userKeys(res *Result) []string {
	out := make([]string, len(res.Users))
	for i, u := range res.Users {
		out[i] = u.Domain + "/" + u.ID
	}
	return out
}

// wrap makes a body of the elements of rt_segment and extra top-level
// members, written before the array.
func wrap(top, entries string) string {
	return `{` + top + `"rt_segment":[` + entries + `]}`
}
