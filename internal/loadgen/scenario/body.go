package scenario

import (
	"encoding/json"
	"strconv"
)

// PostBody appends to dst a POST /rt-segment body of users entries, the
// platform's user ids first to first+users-1, each into the first segs
// segments of a (all of them when segs is larger), with value 1 and a
// one-day lifetime. It is compact JSON, as a client that is not printing
// for people sends it.
func PostBody(dst []byte, a Account, first uint64, users, segs int) []byte {
	segs = min(max(segs, 1), len(a.Segments))
	dst = append(dst, `{"rt_segment":[`...)
	for u := range users {
		if u > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"user_id":"`...)
		dst = strconv.AppendUint(dst, first+uint64(u), 10)
		dst = append(dst, `","seg_block":[`...)
		for s := range segs {
			if s > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"seg_id":`...)
			dst = strconv.AppendInt(dst, a.Segments[s], 10)
			dst = append(dst, `,"value":1,"expiration":1440}`...)
		}
		dst = append(dst, `]}`...)
	}
	return append(dst, `]}`...)
}

// Applied reads the counts of a POST /rt-segment answer: the users and
// the segments (memberships written or removed) it applied.
func Applied(body []byte) (users, segments int) {
	var out struct {
		Response struct {
			Message struct {
				Users    int `json:"users_in_request"`
				Segments int `json:"segments_in_request"`
			} `json:"message"`
		} `json:"response"`
	}
	if json.Unmarshal(body, &out) != nil {
		return 0, 0
	}
	return out.Response.Message.Users, out.Response.Message.Segments
}

// AppliedSegments is Applied's segments, as an Offer's Measure.
func AppliedSegments(body []byte) int {
	_, segs := Applied(body)
	return segs
}

// AppliedUsers is Applied's users, as an Offer's Measure.
func AppliedUsers(body []byte) int {
	users, _ := Applied(body)
	return users
}

// Found reads the segment ids of a GET /rt-segment answer.
func Found(body []byte) []int64 {
	var out struct {
		Response struct {
			Segments []struct {
				SegID int64 `json:"seg_id"`
			} `json:"segments"`
		} `json:"response"`
	}
	if json.Unmarshal(body, &out) != nil {
		return nil
	}
	ids := make([]int64, len(out.Response.Segments))
	for i, s := range out.Response.Segments {
		ids[i] = s.SegID
	}
	return ids
}

// FoundSegments is the number of segments of a GET answer, as an Offer's
// Measure.
func FoundSegments(body []byte) int { return len(Found(body)) }
