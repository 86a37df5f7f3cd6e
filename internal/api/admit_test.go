package api_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/limits"
	"github.com/instant-audience/audience/internal/store"
)

// tripsOf returns the round trips to Redis that one call made, and its
// answer.
func (r *rig) tripsOf(method, path, token, body string) (int64, reply) {
	r.t.Helper()
	before := r.trips.N()
	a := r.callWith(method, path, token, body)
	return r.trips.N() - before, a
}

func TestAdmissionRoundTrips(t *testing.T) {
	r := newRig(t, limits.Config{}, store.Member{ID: 1, Enabled: true})
	get := "/rt-segment?user_id=5"
	// Another session of the member warms what is not counted here: the
	// registry's cache, and the scripts Redis learns on first use.
	if _, err := r.st.OpenSession(context.Background(), auth.HashToken("other"),
		store.Session{User: "other", MemberID: 1}, time.Hour, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	r.callWith("GET", get, "other", "")

	// A token this replica has not seen: its check goes first, alone;
	// then the calls bucket's script and the user's read, together.
	if n, a := r.tripsOf("GET", get, "t1", ""); n != 2 || a.status != 200 {
		t.Fatalf("first GET: %d round trips, %d %s; want 2, 200", n, a.status, a.raw)
	}
	// Seen valid: check, bucket and read in one round trip.
	if n, a := r.tripsOf("GET", get, "t1", ""); n != 1 || a.status != 200 {
		t.Fatalf("next GET: %d round trips, %d %s; want 1, 200", n, a.status, a.raw)
	}
	// A POST: admission, then the users bucket, then the writes.
	r.callWith("POST", "/rt-segment", "t1", users(1, 1)) // the segments cached
	if n, a := r.tripsOf("POST", "/rt-segment", "t1", users(1, 1)); n != 3 || a.status != 200 {
		t.Fatalf("POST: %d round trips, %d %s; want 3, 200", n, a.status, a.raw)
	}
	// The read that rode is the one answered.
	a := r.callWith("GET", "/rt-segment?user_id=1", "t1", "")
	if a.status != 200 || a.body.Response["count"] != float64(1) {
		t.Fatalf("GET of a user just written: %d %s", a.status, a.raw)
	}
}

// A token never seen valid is checked alone: whoever sends forged tokens
// spends nothing of any member's buckets, and reads nothing.
func TestForgedTokensSpendNothing(t *testing.T) {
	r := newRig(t, limits.Config{GetPerSec: 9}, store.Member{ID: 1, Enabled: true})
	remaining := func() int {
		a := r.call("GET", "/rt-segment?user_id=5", 1, "")
		n, err := strconv.Atoi(a.header.Get("X-RateLimit-Remaining"))
		if a.status != 200 || err != nil {
			t.Fatalf("GET: %d %s, remaining %q", a.status, a.raw, a.header.Get("X-RateLimit-Remaining"))
		}
		return n
	}
	before := remaining()
	for _, forged := range []string{"t2", "t1x", "x", "t1t1"} {
		n, a := r.tripsOf("GET", "/rt-segment?user_id=5", forged, "")
		if a.status != 401 || n > 1 || a.header.Get("X-RateLimit-Remaining") != "" {
			t.Fatalf("forged token %q: %d %s, %d round trips", forged, a.status, a.raw, n)
		}
	}
	if after := remaining(); after != before-1 {
		t.Fatalf("remaining %d then %d: forged tokens spent the member's calls", before, after)
	}
}

// A token seen valid and then revoked is answered 401, before any word
// of its member's buckets, and is not known from then on.
func TestRevokedKnownToken(t *testing.T) {
	r := newRig(t, limits.Config{GetPerSec: 2}, store.Member{ID: 1, Enabled: true})
	for range 2 {
		if a := r.call("GET", "/rt-segment?user_id=5", 1, ""); a.status != 200 {
			t.Fatalf("GET: %d %s", a.status, a.raw)
		}
	}
	want429(t, r.call("GET", "/rt-segment?user_id=5", 1, ""),
		sentence(2, "reads", "rt-segment"))

	if err := r.st.RevokeSession(context.Background(), auth.HashToken("t1")); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		n, a := r.tripsOf("GET", "/rt-segment?user_id=5", "t1", "")
		if a.status != 401 || a.header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("revoked token, call %d: %d %v %s", i, a.status, a.header, a.raw)
		}
		if i == 1 && n != 1 {
			t.Fatalf("revoked token, call %d: %d round trips, want the check alone", i, n)
		}
	}
}

// A revoked token the replica still knows, sent many times at once: each
// call in flight took a call token before its check failed, and gives it
// back, so the member's own callers are not refused for it.
func TestRevokedTokenBurstCostsNothing(t *testing.T) {
	r := newRig(t, limits.Config{GetPerSec: 100}, store.Member{ID: 1, Enabled: true})
	ctx := context.Background()
	if _, err := r.st.OpenSession(ctx, auth.HashToken("leaked"),
		store.Session{User: "u", MemberID: 1}, time.Hour, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if a := r.callWith("GET", "/rt-segment?user_id=5", "leaked", ""); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	if err := r.st.RevokeSession(ctx, auth.HashToken("leaked")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var refused atomic.Int64
	for range 200 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", r.url+"/rt-segment?user_id=5", nil)
			req.Header.Set("Authorization", "leaked")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	if n := refused.Load(); n != 0 {
		t.Fatalf("%d calls of a revoked token answered other than 401", n)
	}
	a := r.call("GET", "/rt-segment?user_id=5", 1, "")
	left, _ := strconv.Atoi(a.header.Get("X-RateLimit-Remaining"))
	if a.status != 200 || left < 97 {
		t.Fatalf("the member's own call after the burst: %d, %d left of 100 (the first"+
			" call spent 1, this one 1): %s", a.status, left, a.raw)
	}
}
