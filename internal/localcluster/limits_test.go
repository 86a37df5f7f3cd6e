package localcluster_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/localcluster"
	"github.com/instant-audience/audience/internal/store"
)

// TestLimitAccuracy: with three replicas behind haproxy, a member offering
// three times its limit for 10 s at a steady rate gets limit × 10 + burst
// accepted, within 3%, while a second member at the same time gets every
// call it makes; for the POST, GET and users limits alike, all three at
// once. The figures are logged (go test -v -run TestLimitAccuracy).
func TestLimitAccuracy(t *testing.T) {
	c := sharedCluster(t)
	st, err := c.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	results, err := localcluster.Accuracy(ctx, st, c.URL, localcluster.AccuracyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		t.Log(r)
		if err := r.Err(len(c.Replicas)); err != nil {
			t.Error(err)
		}
	}
}

// TestRetryAfterIsHonest: after a 429, the same call sent again exactly
// Retry-After seconds later is accepted, for each limit; the 429 names the
// member's own limit. (With a burst of one second's worth, no cost that
// fits at all waits more than a second: Retry-After is 1.)
func TestRetryAfterIsHonest(t *testing.T) {
	c := sharedCluster(t)
	a := account(t, c, store.Limits{PostPerSec: 3, GetPerSec: 4, UsersPerSec: 10})
	tests := []struct {
		name   string
		method string
		url    string
		body   []byte
		text   string
	}{
		{"POST calls", "POST", c.URL + "/rt-segment", a.PostBody(1, 1),
			sentence(3, "writes", "rt-segment")},
		{"GET calls", "GET", c.URL + "/rt-segment?user_id=1", nil,
			sentence(4, "reads", "rt-segment")},
		{"report calls", "GET", c.URL + "/rt-segment-processed", nil,
			sentence(4, "reads", "rt-segment-processed")},
		{"users", "POST", c.URL + "/rt-segment", a.PostBody(1, 8),
			sentence(10, "users", "rt-segment")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Let the buckets fill, then call until refused: a few calls
			// past the burst, in case the clock refills one meanwhile.
			time.Sleep(1100 * time.Millisecond)
			var refused answer
			for range 12 {
				got := call(t, a, tc.method, tc.url, tc.body)
				if got.status == 429 {
					refused = got
					break
				}
				if got.status != 200 {
					t.Fatalf("%d %s", got.status, got.raw)
				}
			}
			if refused.status != 429 {
				t.Fatal("never refused")
			}
			r := refused.response()
			if r["error"] != tc.text || r["error_id"] != "LIMIT" ||
				r["error_code"] != "RATE_EXCEEDED" {
				t.Fatalf("429 body: %s", refused.raw)
			}
			wait, err := strconv.Atoi(refused.header.Get("Retry-After"))
			if err != nil || wait < 1 {
				t.Fatalf("Retry-After %q", refused.header.Get("Retry-After"))
			}

			time.Sleep(time.Duration(wait) * time.Second)
			if got := call(t, a, tc.method, tc.url, tc.body); got.status != 200 {
				t.Fatalf("after exactly Retry-After (%d s): %d %s", wait, got.status, got.raw)
			}
		})
	}
}

// TestLimitChangeReachesEveryReplica: a limit set with audiencectl applies
// on every replica within the registry's cache time (5 s), without a
// restart, and is enforced.
func TestLimitChangeReachesEveryReplica(t *testing.T) {
	c := sharedCluster(t)
	a := account(t, c, store.Limits{PostPerSec: 5})
	ctx := context.Background()

	writeLimit := func(want string) error {
		for _, r := range c.Replicas {
			got := call(t, a, "GET", r+"/rt-segment?user_id=1", nil)
			if v := got.header.Get("X-Ratelimit-Write"); v != want {
				return fmt.Errorf("%s: X-Ratelimit-Write %q, want %q", r, v, want)
			}
		}
		return nil
	}
	if err := writeLimit("5"); err != nil {
		t.Fatal(err)
	}
	if got, most := burst(t, a, c.URL+"/rt-segment", 15, 5); got > most {
		t.Fatalf("%d of a burst of 15 POSTs accepted under a limit of 5, want at most %d",
			got, most)
	}

	if _, err := c.Ctl(ctx, "member", "update", "-id", strconv.FormatInt(a.Member, 10),
		"-limit-post", "40"); err != nil {
		t.Fatal(err)
	}
	took, err := within(8*time.Second, func() error { return writeLimit("40") })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("every replica applied the new limit %v after audiencectl",
		took.Round(100*time.Millisecond))

	time.Sleep(1100 * time.Millisecond)
	if got, most := burst(t, a, c.URL+"/rt-segment", 45, 40); got < 40 || got > most {
		t.Fatalf("%d of a burst of 45 POSTs accepted under a limit of 40, want 40 to %d",
			got, most)
	}
}

// burst sends n POSTs of one user at once and returns how many got 200,
// and the most a limit of perSec allows for them: the burst, and what
// refilled while they were being answered.
func burst(t *testing.T, a localcluster.Account, url string, n int, perSec int64) (int, int) {
	t.Helper()
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := a.Request(context.Background(), "POST", url, a.PostBody(i+1, 1))
			if err != nil {
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			if resp.StatusCode == 200 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	refill := time.Since(start).Seconds() * float64(perSec)
	return int(ok.Load()), int(perSec) + int(math.Ceil(refill))
}
