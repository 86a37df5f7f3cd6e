package stats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

var hour = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// check parses and checks a body as member 1001, who owns 10001 (active)
// and 10002 (inactive); 20001 belongs to 1661, whom 1001 may not populate.
func check(t *testing.T, body string) *rtsegment.Result {
	t.Helper()
	req, err := rtsegment.Parse([]byte(body), rtsegment.Limits{MaxUsers: 1000, MaxBlocks: 100,
		MaxExpiration: 259200})
	if err != nil {
		t.Fatal(err)
	}
	segs := map[int64]rtsegment.Segment{
		10001: {ID: 10001, MemberID: 1001, Active: true},
		10002: {ID: 10002, MemberID: 1001, Active: false},
		20001: {ID: 20001, MemberID: 1661, Active: true},
	}
	return req.Check(rtsegment.Policy{MemberID: 1001,
		Lookup: func(ref rtsegment.SegmentRef) (rtsegment.Segment, bool) {
			s, ok := segs[ref.ID]
			return s, ok
		}})
}

// mix is one request with every kind of item the report counts.
const mix = `{"rt_segment":[
 {"user_id":"1","seg_block":[{"seg_id":10001,"value":3,"expiration":60},
   {"seg_id":10001,"expiration":-1}]},
 {"user_id":"2","seg_block":[{"seg_id":10001,"expiration":0},{"seg_id":99},{"seg_id":10002},
   {"seg_id":20001},{"seg_id":"x"}]},
 {"user_id":"","seg_block":[{"seg_id":10001}]},
 {"user_id":"3","seg_block":[{"seg_id":99}]}]}`

func TestUsageOf(t *testing.T) {
	u := UsageOf(1001, hour.Add(90*time.Second), check(t, mix))
	want := store.UsageCounts{ValidUsers: 2, ValidAdds: 2, ValidRemoves: 1, InvalidUsers: 2,
		UnauthSegments: 1, InactiveSegments: 1, InvalidSegments: 2, OtherErrors: 1}
	if u.Counts != want || u.Member != 1001 {
		t.Fatalf("counts %+v, want %+v", u.Counts, want)
	}

	wantAccepted := []string{
		"2026-12-03 10:01:30 user_id 1 segment 10001: added, value 3, expiration 60 minutes",
		"2026-12-03 10:01:30 user_id 1 segment 10001: removed",
		"2026-12-03 10:01:30 user_id 2 segment 10001: added, value 0, never expires",
	}
	if strings.Join(u.Accepted, "\n") != strings.Join(wantAccepted, "\n") {
		t.Fatalf("accepted lines:\n%s\nwant:\n%s", strings.Join(u.Accepted, "\n"),
			strings.Join(wantAccepted, "\n"))
	}
	if len(u.Rejected) != 7 || !strings.HasPrefix(u.Rejected[0],
		`2026-12-03 10:01:30 Segment 99 not found. item: {"seg_id":99}`) {
		t.Fatalf("rejected lines: %q", u.Rejected)
	}
}

func TestUsageLinesAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"rt_segment":[`)
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"user_id":"%d","seg_block":[{"seg_id":10001},{"seg_id":99,"pad":"%s"}]}`,
			i+1, strings.Repeat("é", 300))
	}
	b.WriteString(`]}`)
	u := UsageOf(1001, hour, check(t, b.String()))
	if len(u.Accepted) != SampleLinesPerRequest || len(u.Rejected) != SampleLinesPerRequest {
		t.Fatalf("%d accepted and %d rejected lines, want %d each", len(u.Accepted),
			len(u.Rejected), SampleLinesPerRequest)
	}
	for _, l := range u.Rejected {
		clean := strings.HasSuffix(l, "...") && !strings.Contains(l, "\ufffd")
		if len(l) > maxEntityBytes+100 || !clean {
			t.Fatalf("a long item is not cut cleanly: %q", l)
		}
	}
}

func TestParseQuery(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 25, 0, 0, time.UTC)
	next := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name, start, end, agg string
		want                  Query
		wantErr               string
	}{
		{name: "defaults: the last 14 days, this hour included",
			want: Query{Start: next.Add(-DefaultRange), End: next}},
		{name: "days", start: "2026-12-01", end: "2026-12-02",
			want: Query{Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
				End: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}},
		{name: "times and agg", start: "2026-12-01 10:00:00", end: "2026-12-01 12:30:00",
			agg: "true",
			want: Query{Start: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
				End: time.Date(2026, 12, 1, 12, 30, 0, 0, time.UTC), Agg: true}},
		{name: "start alone ends now", start: "2026-12-03", want: Query{
			Start: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), End: next}},
		{name: "end alone starts 14 days before", end: "2026-12-02", want: Query{
			Start: time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC),
			End:   time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}},
		{name: "agg=false", agg: "false", want: Query{Start: next.Add(-DefaultRange), End: next}},
		{name: "bad start", start: "yesterday", wantErr: "'start' must be YYYY-MM-DD"},
		{name: "bad end", end: "2026-13-01", wantErr: "'end' must be YYYY-MM-DD"},
		{name: "T separator", start: "2026-12-01T10:00:00", wantErr: "'start'"},
		{name: "bad agg", agg: "maybe", wantErr: "'agg' must be true or false"},
		{name: "empty range", start: "2026-12-02", end: "2026-12-02", wantErr: "must be before"},
		{name: "reversed range", start: "2026-12-03", end: "2026-12-02", wantErr: "must be before"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuery(tc.start, tc.end, tc.agg, now)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrQuery) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !q.Start.Equal(tc.want.Start) || !q.End.Equal(tc.want.End) ||
				q.Agg != tc.want.Agg {
				t.Fatalf("got %+v, %v; want %+v", q, err, tc.want)
			}
		})
	}
}

// backends runs a test against miniredis and, unless -short, a real
// redis-server.
func backends(t *testing.T, test func(t *testing.T, st *store.Store, rdb *redis.Client)) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { rdb.Close() })
		test(t, store.New(rdb, ""), rdb)
	})
	if testing.Short() {
		return
	}
	t.Run("redis", func(t *testing.T) {
		rdb := testredis.StartSingle(t).Client()
		test(t, store.New(rdb, ""), rdb)
	})
}

func TestReport(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store, rdb *redis.Client) {
		ctx := context.Background()
		res := check(t, mix)
		// Hours 08:00 (twice), 10:00 and 11:00; 09:00 is idle.
		for _, at := range []time.Time{hour.Add(-2 * time.Hour), hour.Add(-119 * time.Minute),
			hour.Add(59 * time.Minute), hour.Add(time.Hour)} {
			u := UsageOf(1001, at, res)
			if err := st.RecordUsage(ctx, &u); err != nil {
				t.Fatal(err)
			}
		}
		other := UsageOf(1661, hour, res)
		if err := st.RecordUsage(ctx, &other); err != nil {
			t.Fatal(err)
		}
		r := NewReporter(st)
		r.now = func() time.Time { return hour.Add(90 * time.Minute) }
		one := store.UsageCounts{ValidUsers: 2, ValidAdds: 2, ValidRemoves: 1, InvalidUsers: 2,
			UnauthSegments: 1, InactiveSegments: 1, InvalidSegments: 2, OtherErrors: 1}
		times := func(n int64) store.UsageCounts {
			var c store.UsageCounts
			for range n {
				c.Add(one)
			}
			return c
		}

		tests := []struct {
			name       string
			start, end time.Time
			agg        bool
			hours      []time.Time
			counts     []store.UsageCounts
		}{
			{name: "every hour with traffic",
				start: hour.Add(-24 * time.Hour), end: hour.Add(2 * time.Hour),
				hours:  []time.Time{hour.Add(-2 * time.Hour), hour, hour.Add(time.Hour)},
				counts: []store.UsageCounts{times(2), one, one}},
			{name: "end is exclusive", start: hour.Add(-2 * time.Hour), end: hour.Add(time.Hour),
				hours:  []time.Time{hour.Add(-2 * time.Hour), hour},
				counts: []store.UsageCounts{times(2), one}},
			{name: "start inside an hour skips it", start: hour.Add(-90 * time.Minute),
				end: hour.Add(2 * time.Hour), hours: []time.Time{hour, hour.Add(time.Hour)},
				counts: []store.UsageCounts{one, one}},
			{name: "agg sums the range",
				start: hour.Add(-2 * time.Hour), end: hour.Add(time.Hour), agg: true,
				counts: []store.UsageCounts{times(3)}},
			{name: "agg of an idle range is one row of zeros",
				start: hour.Add(-time.Hour), end: hour,
				agg: true, counts: []store.UsageCounts{{}}},
			{name: "idle range, no rows", start: hour.Add(-time.Hour), end: hour},
			{name: "before the retention", start: hour.Add(-30 * 24 * time.Hour),
				end: hour.Add(-20 * 24 * time.Hour)},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rows, err := r.Report(ctx, 1001, Query{Start: tc.start, End: tc.end, Agg: tc.agg})
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != len(tc.counts) {
					t.Fatalf("%d rows, want %d: %+v", len(rows), len(tc.counts), rows)
				}
				for i, row := range rows {
					if row.Counts != tc.counts[i] || row.Member != 1001 {
						t.Fatalf("row %d: %+v, want counts %+v", i, row, tc.counts[i])
					}
					if tc.agg {
						if !row.Hour.IsZero() || row.Rejected != nil || row.Accepted != nil {
							t.Fatalf("agg row has an hour or samples: %+v", row)
						}
						continue
					}
					if !row.Hour.Equal(tc.hours[i]) {
						t.Fatalf("row %d is hour %v, want %v", i, row.Hour, tc.hours[i])
					}
					if len(row.Accepted) == 0 || len(row.Rejected) == 0 {
						t.Fatalf("row %d has no samples: %+v", i, row)
					}
				}
			})
		}

		// match_rate: 2 valid of 4 users, and null when idle.
		rows, _ := r.Report(ctx, 1001, Query{Start: hour, End: hour.Add(time.Hour), Agg: true})
		if rows[0].MatchRate == nil || *rows[0].MatchRate != 0.5 {
			t.Fatalf("match_rate = %v, want 0.5", rows[0].MatchRate)
		}
		rows, _ = r.Report(ctx, 1001, Query{Start: hour.Add(-time.Hour), End: hour, Agg: true})
		if rows[0].MatchRate != nil {
			t.Fatalf("match_rate of an idle range = %v, want null", *rows[0].MatchRate)
		}

		// Keys expire by themselves, after the retention.
		ttl := rdb.TTL(ctx, st.MemberTag(1001)+":st:2026120310").Val()
		if ttl < 14*24*time.Hour || ttl > store.UsageRetention {
			t.Fatalf("TTL of an hour's counters = %v, want 14 days < TTL <= %v",
				ttl, store.UsageRetention)
		}
		for _, suffix := range []string{":r", ":a"} {
			key := st.MemberTag(1001) + ":st:2026120310" + suffix
			if ttl := rdb.TTL(ctx, key).Val(); ttl < 14*24*time.Hour {
				t.Fatalf("TTL of sample %s = %v", suffix, ttl)
			}
		}
	})
}

func TestSamplesStayBounded(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store, rdb *redis.Client) {
		ctx := context.Background()
		for i := range 30 {
			u := store.Usage{Member: 1001, At: hour, Counts: store.UsageCounts{ValidUsers: 1}}
			for j := range 10 {
				u.Accepted = append(u.Accepted, fmt.Sprintf("line %03d", i*10+j))
			}
			if err := st.RecordUsage(ctx, &u); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.UsageHours(ctx, 1001, []time.Time{hour}, true)
		if err != nil {
			t.Fatal(err)
		}
		lines := got[0].Accepted
		n := len(lines)
		if n != store.UsageSampleLines || lines[0] != "line 100" || lines[n-1] != "line 299" {
			t.Fatalf("%d lines from %q to %q; want the newest 200, oldest first",
				len(lines), lines[0], lines[len(lines)-1])
		}
		key := st.MemberTag(1001) + ":st:2026120310:a"
		if n := rdb.LLen(ctx, key).Val(); n != store.UsageSampleLines {
			t.Fatalf("the list in Redis holds %d lines", n)
		}
	})
}
