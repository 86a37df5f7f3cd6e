package limits_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/limits"
	"github.com/instant-audience/audience/internal/store"
)

// clocked is a limiter over miniredis, whose clock stands still until the
// test moves it: every GCRA figure below is exact.
type clocked struct {
	lim  *limits.Limiter
	st   *store.Store
	move func(time.Duration)
}

func newClocked(t *testing.T, cfg limits.Config) clocked {
	t.Helper()
	mr := miniredis.RunT(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	mr.SetTime(now)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb, "")
	return clocked{lim: limits.New(st, cfg), st: st, move: func(d time.Duration) {
		now = now.Add(d)
		mr.SetTime(now)
		mr.FastForward(d)
	}}
}

// take spends n tokens a microsecond after the previous call. Real calls
// are at least that far apart (one script run takes longer), and the
// script's float clock (a 60 ns step near today's epoch) may otherwise
// find the last token of a burst short by a few hundred nanoseconds.
func take(t *testing.T, c clocked, member int64, b limits.Bucket, perSec int64,
	n int) limits.Decision {
	t.Helper()
	c.move(time.Microsecond)
	d, err := c.lim.Take(context.Background(), member, b, perSec, n)
	if err != nil {
		t.Fatalf("take %d of %v: %v", n, b, err)
	}
	return d
}

// near compares durations computed by the script in floating point.
func near(got, want time.Duration) bool {
	return (got - want).Abs() < 20*time.Microsecond
}

func TestBurstIsOneSecond(t *testing.T) {
	c := newClocked(t, limits.Config{})
	for i := range 10 {
		d := take(t, c, 1001, limits.Posts, 10, 1)
		if !d.Allowed || d.Remaining != int64(9-i) {
			t.Fatalf("call %d of the burst: %+v", i+1, d)
		}
	}
	d := take(t, c, 1001, limits.Posts, 10, 1)
	if d.Allowed || !near(d.RetryAfter, 100*time.Millisecond) || !near(d.ResetAfter, time.Second) {
		t.Fatalf("11th call at once: %+v, want refused, retry in 100ms, full in 1s", d)
	}

	// The refused call spent nothing: after the wait it fits.
	c.move(d.RetryAfter.Round(time.Millisecond))
	if d := take(t, c, 1001, limits.Posts, 10, 1); !d.Allowed {
		t.Fatalf("after RetryAfter: %+v", d)
	}
	if d := take(t, c, 1001, limits.Posts, 10, 1); d.Allowed {
		t.Fatalf("a second call in the same instant: %+v", d)
	}
}

func TestUsersCostTheirCount(t *testing.T) {
	c := newClocked(t, limits.Config{})
	if d := take(t, c, 1001, limits.Users, 100, 70); !d.Allowed || d.Remaining != 30 {
		t.Fatalf("70 of 100: %+v", d)
	}
	d := take(t, c, 1001, limits.Users, 100, 40)
	if d.Allowed || !near(d.RetryAfter, 100*time.Millisecond) || d.Remaining != 30 {
		t.Fatalf("40 more with 30 left: %+v, want refused with 100ms to wait, 30 left", d)
	}
	// Refused whole: the 30 are still there.
	if d := take(t, c, 1001, limits.Users, 100, 30); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("the 30 left after a refusal: %+v", d)
	}

	_, err := c.lim.Take(context.Background(), 1001, limits.Users, 100, 101)
	if !errors.Is(err, limits.ErrNeverFits) {
		t.Fatalf("101 users of a burst of 100: err = %v, want ErrNeverFits", err)
	}
}

func TestGiveBack(t *testing.T) {
	c := newClocked(t, limits.Config{})
	for range 5 {
		take(t, c, 1001, limits.Posts, 5, 1)
	}
	if d := take(t, c, 1001, limits.Posts, 5, 1); d.Allowed {
		t.Fatalf("6th of 5: %+v", d)
	}
	d, err := c.lim.GiveBack(context.Background(), 1001, limits.Posts, 5, 1)
	if err != nil || d.Remaining != 1 {
		t.Fatalf("give back: %+v %v", d, err)
	}
	if d := take(t, c, 1001, limits.Posts, 5, 1); !d.Allowed {
		t.Fatalf("the token given back: %+v", d)
	}

	// Giving back to a full bucket never raises it past its burst.
	c.move(2 * time.Second)
	d, _ = c.lim.GiveBack(context.Background(), 1001, limits.Posts, 5, 1)
	if d.Remaining > 5 {
		t.Fatalf("a full bucket given a token reads %d remaining", d.Remaining)
	}
	for range 5 {
		take(t, c, 1001, limits.Posts, 5, 1)
	}
	if d := take(t, c, 1001, limits.Posts, 5, 1); d.Allowed {
		t.Fatal("a full bucket given a token let 6 calls through")
	}
}

func TestBucketsAreApart(t *testing.T) {
	c := newClocked(t, limits.Config{})
	take(t, c, 1001, limits.Posts, 1, 1)
	tests := []struct {
		name   string
		member int64
		bucket limits.Bucket
	}{
		{"another member", 1661, limits.Posts},
		{"GET bucket", 1001, limits.Gets},
		{"users bucket", 1001, limits.Users},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := take(t, c, tc.member, tc.bucket, 1, 1); !d.Allowed {
				t.Fatalf("spent by member 1001's POST: %+v", d)
			}
		})
	}
	// Each key shares its member's hash tag, so Cluster keeps it in the
	// member's slot.
	for _, b := range []limits.Bucket{limits.Posts, limits.Gets, limits.Users} {
		key := c.st.LimitKey(1001, b.String())
		if !strings.HasPrefix(key, c.st.MemberTag(1001)) {
			t.Fatalf("key %q is not under the member's tag %q", key, c.st.MemberTag(1001))
		}
	}
}

func TestFor(t *testing.T) {
	st := store.New(redis.NewClient(&redis.Options{}), "")
	lim := limits.New(st, limits.Config{PostPerSec: 7})
	tests := []struct {
		name      string
		overrides store.Limits
		want      store.Limits
	}{
		{"service-wide", store.Limits{},
			store.Limits{PostPerSec: 7, GetPerSec: 1000, UsersPerSec: 1000}},
		{"member's own", store.Limits{GetPerSec: 5, UsersPerSec: 2000},
			store.Limits{PostPerSec: 7, GetPerSec: 5, UsersPerSec: 2000}},
		{"capped", store.Limits{PostPerSec: 5_000_000},
			store.Limits{PostPerSec: limits.MaxPerSec, GetPerSec: 1000, UsersPerSec: 1000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lim.For(store.Member{ID: 1, Limits: tc.overrides}); got != tc.want {
				t.Fatalf("For = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestFailsClosed: a limiter that cannot reach Redis returns an error the
// API answers with 503, never a decision that lets the call through.
func TestFailsClosed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1,
		DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	lim := limits.New(store.New(rdb, ""), limits.Config{})

	d, err := lim.Take(context.Background(), 1001, limits.Posts, 100, 1)
	if !errors.Is(err, store.ErrUnavailable) || d.Allowed {
		t.Fatalf("Take with Redis down: %+v, %v; want not allowed and ErrUnavailable", d, err)
	}
}
