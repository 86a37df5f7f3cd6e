package rtsegment_test

import (
	"fmt"

	"github.com/instant-audience/audience/internal/rtsegment"
)

func Example() {
	body := []byte(`{"rt_segment": [
	  {"user_id": "0042", "seg_block": [
	    {"seg_id": 10001, "value": 1, "expiration": 1440},
	    {"seg_id": 99},
	    {"seg_code": "ABCD", "member_id": 1661, "expiration": -1}]}]}`)

	req, err := rtsegment.Parse(body, rtsegment.Limits{})
	if err != nil {
		fmt.Println("400 SYNTAX:", err)
		return
	}

	// One batch lookup for every segment the body names.
	known := map[rtsegment.SegmentRef]rtsegment.Segment{}
	for _, ref := range req.Refs() {
		switch {
		case ref.ID == 10001:
			known[ref] = rtsegment.Segment{ID: 10001, MemberID: 1001, Active: true}
		case ref.MemberID == 1661: // a real store compares codes without regard to case
			known[ref] = rtsegment.Segment{ID: 20001, MemberID: 1661, Code: "abcd", Active: true}
		}
	}

	res := req.Check(rtsegment.Policy{
		MemberID:    1001,
		MayPopulate: func(owner int64) bool { return owner == 1001 || owner == 1661 },
		Lookup: func(ref rtsegment.SegmentRef) (rtsegment.Segment, bool) {
			seg, ok := known[ref]
			return seg, ok
		},
	})
	for _, u := range res.Users {
		fmt.Printf("user %q: %+v\n", u.ID, u.Changes)
	}
	for _, w := range res.Warnings {
		fmt.Printf("warning %q for %s\n", w.Message, w.Entity)
	}
	fmt.Println(res.UsersInRequest, res.SegmentsInRequest)
	// Output:
	// user "42": [{SegID:10001 Value:1 Minutes:1440} {SegID:20001 Value:0 Minutes:-1}]
	// warning "Segment 99 not found." for {"seg_id": 99}
	// 1 2
}
