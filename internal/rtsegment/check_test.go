package rtsegment

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestEmptyArray(t *testing.T) {
	body := "{\"rt_segment\": [ \n ]}"
	res := run(t, body, Limits{})
	if res.UsersInRequest != 0 || res.SegmentsInRequest != 0 || len(res.Users) != 0 {
		t.Errorf("counts %d %d", res.UsersInRequest, res.SegmentsInRequest)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Message != noValid {
		t.Fatalf("warnings %q", messages(res))
	}
	if got := string(res.Warnings[0].Entity); got != "{\"rt_segment\":[ \n ]}" {
		t.Errorf("entity %q", got)
	}
	if res.Counts != (Counts{}) {
		t.Errorf("counts %+v", res.Counts)
	}
}

func TestNoWarningsIsEmptyNotNil(t *testing.T) {
	res := run(t, wrap("", entryOf(`"user_id":"1"`)), Limits{})
	if res.Warnings == nil {
		t.Error("Warnings is nil; the answer needs []")
	}
}

func TestUserCap(t *testing.T) {
	entries := make([]string, 1001)
	for i := range entries {
		entries[i] = entryOf(`"user_id":"` + strconv.Itoa(i+1) + `"`)
	}
	entries[1000] = `"not even an object"`
	res := run(t, wrap("", strings.Join(entries, ",")), Limits{})
	if res.UsersInRequest != 1000 || res.SegmentsInRequest != 1000 {
		t.Errorf("accepted %d users, %d blocks", res.UsersInRequest, res.SegmentsInRequest)
	}
	want := []string{"Too many user_ids in request."}
	if got := messages(res); !equalStrings(got, want) {
		t.Fatalf("warnings %q", got)
	}
	if got := string(res.Warnings[0].Entity); got != `"not even an object"` {
		t.Errorf("entity %s", got)
	}
	if res.Counts.InvalidUsers != 1 || res.Counts.ValidUsers != 1000 {
		t.Errorf("counts %+v", res.Counts)
	}

	// Past a lower cap nothing is examined, not even a refused entry's id.
	res = run(t, wrap("", `{"user_id":""},`+entryOf(`"user_id":"1"`)+`,{}`),
		Limits{MaxUsers: 1})
	want = []string{userNeeded, "Too many user_ids in request.",
		"Too many user_ids in request.", noValid}
	if got := messages(res); !equalStrings(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
}

func TestCounts(t *testing.T) {
	extra := []Segment{
		{ID: 40001, MemberID: 1001, Active: false},
		{ID: 40002, MemberID: 5000, Active: true},
	}
	body := wrap(`"domain":null,`, strings.Join([]string{
		// Valid: two adds and a removal, plus one unknown and one bad type.
		`{"user_id":"1","seg_block":[{"seg_id":1},{"seg_id":12,"expiration":-1},` +
			`{"seg_id":99},{"seg_id":1,"value":"x"},{"seg_code":"abcd","member_id":1661}]}`,
		// No valid block: inactive and unauthorized.
		`{"user_id":"2","seg_block":[{"seg_id":40001},{"seg_id":40002}]}`,
		// Entry-level failure.
		`{"user_id":"x","seg_block":[{"seg_id":1}]}`,
		`17`,
	}, ","))
	res := run(t, body, Limits{}, extra...)
	want := Counts{
		ValidUsers: 1, ValidAdds: 2, ValidRemoves: 1, InvalidUsers: 3,
		UnauthSegments: 1, InactiveSegments: 1, InvalidSegments: 1, OtherErrors: 1,
	}
	if res.Counts != want {
		t.Errorf("counts\n got %+v\nwant %+v", res.Counts, want)
	}
	if res.UsersInRequest != 1 || res.SegmentsInRequest != 3 {
		t.Errorf("answer counts %d %d", res.UsersInRequest, res.SegmentsInRequest)
	}
	wantChanges := []Change{{1, 0, 0}, {12, 0, -1}, {20001, 0, 0}}
	if !reflect.DeepEqual(res.Users[0].Changes, wantChanges) {
		t.Errorf("changes %+v", res.Users[0].Changes)
	}
}

func TestRefs(t *testing.T) {
	body := wrap("", strings.Join([]string{
		`{"user_id":"1","seg_block":[{"seg_id":5},{"seg_id":5},{"seg_id":6,"member_id":1661},` +
			`{"seg_code":"Abcd","member_id":1661},{"seg_code":"abcd","member_id":1661},` +
			`{"seg_id":7,"value":-1}]}`,
		// A refused entry contributes nothing.
		`{"user_id":"x","seg_block":[{"seg_id":8}]}`,
		`{"user_id":"2","seg_block":[{"seg_id":5},{"seg_id":9}]}`,
	}, ","))
	req, err := Parse([]byte(body), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []SegmentRef{
		{ID: 5}, {ID: 6, MemberID: 1661}, {Code: "Abcd", MemberID: 1661},
		{Code: "abcd", MemberID: 1661}, {ID: 9},
	}
	if got := req.Refs(); !reflect.DeepEqual(got, want) {
		t.Errorf("refs\n got %+v\nwant %+v", got, want)
	}

	// Every ref Check looks up is in the list.
	listed := map[SegmentRef]bool{}
	for _, r := range want {
		listed[r] = true
	}
	p := demoPolicy()
	p.Lookup = func(ref SegmentRef) (Segment, bool) {
		if !listed[ref] {
			t.Errorf("Check looked up %+v, not in Refs", ref)
		}
		return Segment{}, false
	}
	req.Check(p)
}

func TestEntitiesDoNotReferToTheBody(t *testing.T) {
	body := []byte(wrap("", `{"user_id":"","seg_block":[]},{"user_id":"1","seg_block":[7]}`))
	req, err := Parse(body, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res := req.Check(demoPolicy())
	before := answer(res)
	for i := range body {
		body[i] = 'X'
	}
	if after := answer(res); !reflect.DeepEqual(before, after) {
		t.Error("warnings changed with the body")
	}

	// Appending to one entity must not overwrite the next.
	_ = append(res.Warnings[0].Entity, "garbage"...)
	if !json.Valid(res.Warnings[1].Entity) {
		t.Errorf("entity overwritten: %s", res.Warnings[1].Entity)
	}
}

func TestChangesDoNotOverlap(t *testing.T) {
	res := run(t, wrap("", entryOf(`"user_id":"1"`)+","+entryOf(`"user_id":"2"`)), Limits{})
	_ = append(res.Users[0].Changes, Change{SegID: 666})
	if res.Users[1].Changes[0].SegID != 10001 {
		t.Error("appending to one user's changes overwrote the next user's")
	}
}

func TestCheckTwice(t *testing.T) {
	req, err := Parse([]byte(wrap("", `{"user_id":"1","seg_block":[{"seg_id":1},{"seg_id":2}]}`)),
		Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := req.Check(demoPolicy()), req.Check(demoPolicy())
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two Checks differ:\n%+v\n%+v", a, b)
	}
}

func TestPolicyDefaults(t *testing.T) {
	req, err := Parse([]byte(wrap("",
		`{"user_id":"1","seg_block":[{"seg_id":1},{"seg_id":2}]}`)), Limits{})
	if err != nil {
		t.Fatal(err)
	}

	// No Lookup: nothing is known.
	res := req.Check(Policy{MemberID: 1001})
	want := []string{"Segment 1 not found.", "Segment 2 not found.",
		"No valid segments for user_id: 1.", noValid}
	if got := messages(res); !equalStrings(got, want) {
		t.Errorf("warnings %q", got)
	}

	// No MayPopulate: the caller's own member only.
	res = req.Check(Policy{MemberID: 1001, Lookup: func(ref SegmentRef) (Segment, bool) {
		return Segment{ID: ref.ID, MemberID: 1000 + ref.ID, Active: true}, true
	}})
	want = []string{"Not authorized to populate segment 2."}
	if got := messages(res); !equalStrings(got, want) {
		t.Errorf("warnings %q", got)
	}
}

// TestSkippedItemEntities checks that items past the caps, which Parse only
// counts, are found again exactly as sent, whatever the spacing.
func TestSkippedItemEntities(t *testing.T) {
	body := wrap("", `{"user_id":"1","seg_block":[`+okBlock+` , {"seg_id" : 2} ,`+"\n"+
		`[1, 2],"x"]} ,`+"\n\t"+`7 , "y" ,{"a" : {}}`+"\n")
	res := run(t, body, Limits{MaxUsers: 1, MaxBlocks: 1})
	want := []string{`{"seg_id" : 2}`, `[1, 2]`, `"x"`, `7`, `"y"`, `{"a" : {}}`}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, string(w.Entity))
	}
	if !equalStrings(got, want) {
		t.Errorf("entities\n got %q\nwant %q", got, want)
	}
	if res.Counts.OtherErrors != 3 || res.Counts.InvalidUsers != 3 {
		t.Errorf("counts %+v", res.Counts)
	}
}
