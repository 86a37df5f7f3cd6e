package localcluster_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/store"
)

// TestStatisticsAcrossReplicas: a scripted mix of valid, invalid,
// unauthorized, inactive, unknown and removed items, posted through the
// balancer so that every replica counts part of it, gives exactly the
// expected counters and match_rate; agg=true and ranges behave as the
// contract says.
func TestStatisticsAcrossReplicas(t *testing.T) {
	c := sharedCluster(t)
	a := account(t, c, store.Limits{})
	other := account(t, c, store.Limits{})
	st, err := c.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inactive, err := st.CreateSegment(context.Background(), store.Segment{MemberID: a.Member})
	if err != nil {
		t.Fatal(err)
	}

	// One request of the mix, sent 9 times: three to each replica.
	mix := fmt.Sprintf(`{"rt_segment":[
	  {"user_id":"11","seg_block":[{"seg_id":%[1]d,"value":2},{"seg_id":%[1]d,"expiration":-1}]},
	  {"user_id":"12","seg_block":[{"seg_id":%[1]d},{"seg_id":%[2]d},{"seg_id":%[3]d},
	    {"seg_id":999999999},{"seg_id":%[1]d,"value":-4}]},
	  {"user_id":"not a number","seg_block":[{"seg_id":%[1]d}]},
	  {"user_id":"13","seg_block":[{"seg_id":%[2]d}]},
	  {"user_id":"14","seg_block":[{"seg_id":%[1]d}]}]}`, a.Segment, other.Segment, inactive.ID)
	// Per request: valid users 11, 12, 14; invalid users: the bad id and
	// 13 (no valid block); adds 11, 12, 14 and a remove of 11; one
	// unauthorized (other's segment) twice, one inactive, one unknown,
	// one other error (value out of range).
	const posts = 9
	want := map[string]float64{
		"num_valid_users": 3 * posts, "num_valid_adds": 3 * posts, "num_valid_removes": 1 * posts,
		"num_invalid_users": 2 * posts, "num_unauth_segments": 2 * posts,
		"num_inactive_segments": 1 * posts, "num_invalid_segments": 1 * posts,
		"num_other_errors": 1 * posts, "match_rate": 0.6,
	}
	// Taken before the posts: they all happen at or after it.
	before := time.Now().UTC()
	served := map[string]int{}
	for range posts {
		got := call(t, a, "POST", c.URL+"/rt-segment", []byte(mix))
		if got.status != 200 {
			t.Fatalf("mix: %d %s", got.status, got.raw)
		}
		served[got.header.Get("X-Audience-Replica")]++
	}
	if len(served) != len(c.Replicas) {
		t.Fatalf("the mix reached %v, want all %d replicas", served, len(c.Replicas))
	}

	report := func(t *testing.T, query string) []map[string]any {
		t.Helper()
		got := call(t, a, "GET", c.URL+"/rt-segment-processed?"+query, nil)
		r := got.response()
		rows, _ := r["report"].([]any)
		if got.status != 200 || r["count"] != float64(len(rows)) ||
			r["dbg_info"].(map[string]any)["output_term"] != "report" {
			t.Fatalf("report %q: %d %s", query, got.status, got.raw)
		}
		out := make([]map[string]any, len(rows))
		for i, row := range rows {
			out[i] = row.(map[string]any)
		}
		return out
	}
	wantCounts := func(t *testing.T, row map[string]any, want map[string]float64) {
		t.Helper()
		for k, v := range want {
			if row[k] != v {
				t.Fatalf("%s = %v, want %v (row %v)", k, row[k], v, row)
			}
		}
	}

	today := before.Format("2006-01-02")
	later := before.Add(48 * time.Hour).Format("2006-01-02")
	t.Run("agg over the default range", func(t *testing.T) {
		rows := report(t, "agg=true")
		if len(rows) != 1 || rows[0]["processed_hour"] != nil ||
			rows[0]["error_log_lines"] != nil || rows[0]["segment_log_lines"] != nil ||
			rows[0]["member_id"] != float64(a.Member) {
			t.Fatalf("agg rows: %v", rows)
		}
		wantCounts(t, rows[0], want)
	})
	t.Run("hourly rows sum to the same", func(t *testing.T) {
		// Usually one row; two when the posts straddled an hour.
		rows := report(t, "start="+today+"&end="+later)
		sum := map[string]float64{}
		for _, row := range rows {
			hour, _ := row["processed_hour"].(string)
			_, err := time.Parse("2006-01-02 15:04:05", hour)
			if err != nil || !strings.HasSuffix(hour, ":00:00") {
				t.Fatalf("processed_hour %q", hour)
			}
			errs, _ := row["error_log_lines"].([]any)
			segs, _ := row["segment_log_lines"].([]any)
			if len(errs) == 0 || len(errs) > 200 || len(segs) == 0 || len(segs) > 200 {
				t.Fatalf("log lines: %d errors, %d segments", len(errs), len(segs))
			}
			named := contains(fmt.Sprint(errs), "Segment 999999999 not found.", "is inactive",
				"Not authorized to populate segment") &&
				contains(fmt.Sprint(segs), "added", "removed")
			if !named {
				t.Fatalf("log lines do not name the items: %v / %v", errs, segs)
			}
			for k := range want {
				if k != "match_rate" {
					sum[k] += row[k].(float64)
				}
			}
		}
		for k, v := range want {
			if k != "match_rate" && sum[k] != v {
				t.Fatalf("%s sums to %v over %d rows, want %v", k, sum[k], len(rows), v)
			}
		}
	})
	t.Run("an idle range", func(t *testing.T) {
		if rows := report(t, "start=2000-01-01&end=2000-01-02+00:00:00"); len(rows) != 0 {
			t.Fatalf("rows for 2000: %v", rows)
		}
		rows := report(t, "start=2000-01-01&end=2000-01-02&agg=true")
		if len(rows) != 1 || rows[0]["match_rate"] != nil || rows[0]["num_valid_users"] != 0.0 {
			t.Fatalf("agg of an idle range: %v", rows)
		}
	})
	t.Run("end is exclusive", func(t *testing.T) {
		hour := before.Truncate(time.Hour)
		rows := report(t, "agg=true&end="+url.QueryEscape(hour.Format("2006-01-02 15:04:05")))
		if rows[0]["num_valid_users"] != 0.0 {
			t.Fatalf("the range ending at %v counted the hour that starts there: %v", hour, rows)
		}
		rows = report(t, "agg=true&start="+url.QueryEscape(hour.Format("2006-01-02 15:04:05")))
		wantCounts(t, rows[0], want)
	})
	t.Run("bad dates", func(t *testing.T) {
		got := call(t, a, "GET", c.URL+"/rt-segment-processed?start=03/12/2026", nil)
		if got.status != 400 || got.response()["error_id"] != "SYNTAX" {
			t.Fatalf("%d %s", got.status, got.raw)
		}
	})
}
