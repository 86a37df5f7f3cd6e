// Package stats turns checked POST requests into usage statistics, and
// reads them back as the report of GET /rt-segment-processed.
//
// Counting happens in the store's pipeline of the writes themselves
// (store.ApplyCounted); this package only decides what is counted and
// how the sample lines read.
package stats

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/store"
)

// SampleLinesPerRequest bounds the sample lines of each kind one request
// contributes. The hour keeps its newest store.UsageSampleLines lines, so
// a bulk client's 1000-user requests cannot push 200 lines each only to
// have them trimmed, and the sample spreads over several requests.
const SampleLinesPerRequest = 20

// maxEntityBytes bounds the part of an offending item quoted in a line:
// an entry with 100 blocks, or the whole rt_segment array, is cut.
const maxEntityBytes = 200

// lineTime is how a sample line is stamped, UTC.
const lineTime = "2006-01-02 15:04:05"

// UsageOf returns what one checked request adds to its member's
// statistics at time at: the counters of res, and up to
// SampleLinesPerRequest lines of rejected items (warnings) and of accepted
// ones (valid blocks), each naming the item and what became of it.
func UsageOf(member int64, at time.Time, res *rtsegment.Result) store.Usage {
	c := res.Counts
	u := store.Usage{
		Member: member,
		At:     at,
		Counts: store.UsageCounts{
			ValidUsers:       int64(c.ValidUsers),
			ValidAdds:        int64(c.ValidAdds),
			ValidRemoves:     int64(c.ValidRemoves),
			InvalidUsers:     int64(c.InvalidUsers),
			UnauthSegments:   int64(c.UnauthSegments),
			InactiveSegments: int64(c.InactiveSegments),
			InvalidSegments:  int64(c.InvalidSegments),
			OtherErrors:      int64(c.OtherErrors),
		},
	}
	stamp := at.UTC().Format(lineTime)

	for _, w := range res.Warnings {
		if len(u.Rejected) == SampleLinesPerRequest {
			break
		}
		u.Rejected = append(u.Rejected, stamp+" "+w.Message+" item: "+quote(w.Entity))
	}

	for _, user := range res.Users {
		for _, ch := range user.Changes {
			if len(u.Accepted) == SampleLinesPerRequest {
				return u
			}
			u.Accepted = append(u.Accepted, stamp+" "+acceptedLine(user, ch))
		}
	}
	return u
}

// acceptedLine reads "user_id 42 segment 10001: added, value 1,
// expiration 1440 minutes" (or "never expires", or "removed").
func acceptedLine(u rtsegment.User, ch rtsegment.Change) string {
	var b strings.Builder
	b.WriteString("user_id ")
	b.WriteString(u.ID)
	if u.Domain != "" {
		b.WriteString(" (" + u.Domain + ")")
	}
	b.WriteString(" segment ")
	b.WriteString(strconv.FormatInt(ch.SegID, 10))
	switch {
	case ch.Minutes < 0:
		b.WriteString(": removed")
		return b.String()
	case ch.Minutes == 0:
		b.WriteString(": added, value " + strconv.FormatInt(ch.Value, 10) + ", never expires")
	default:
		b.WriteString(": added, value " + strconv.FormatInt(ch.Value, 10) +
			", expiration " + strconv.FormatInt(ch.Minutes, 10) + " minutes")
	}
	return b.String()
}

// quote returns an item's JSON as sent, cut to maxEntityBytes (on a rune
// boundary, marked with "...") and on one line.
func quote(raw []byte) string {
	cut := len(raw) > maxEntityBytes
	if cut {
		n := maxEntityBytes
		for n > 0 && !utf8.RuneStart(raw[n]) {
			n--
		}
		raw = raw[:n]
	}
	s := strings.Join(strings.Fields(string(raw)), " ")
	if cut {
		s += "..."
	}
	return s
}
