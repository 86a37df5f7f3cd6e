package push

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// The contract's default limits per member, used until the service says
// otherwise.
const (
	// DefaultWritesPerSecond is the POST calls a member may make a second.
	DefaultWritesPerSecond = 100
	// DefaultUsersPerSecond is the accepted user entries a member may send
	// a second.
	DefaultUsersPerSecond = 1000
)

// pacer keeps the requests within the member's limits, so that the service
// seldom has to refuse one.
//
// The service keeps a token bucket per limit whose burst is one second's
// worth. The client keeps its own buckets at the same rates but with half
// that burst, and sends batches of half a second's users: the service's
// bucket then always has half a second of slack, which absorbs the
// jitter between when a request is sent and when the service counts it.
// A client bucket as large as the service's would meet it empty, and the
// slightest jitter would cost a 429 and the whole second of its
// Retry-After.
//
// The service announces its POST limit in X-Ratelimit-Write on every
// answer (per second: the contract's window is one second). Its users
// limit is announced nowhere but in the text of a 429 about users, so the
// client starts from the contract's default, or from what it is told, and
// learns a lower one from such a refusal.
//
// Requests wait for their slot one at a time, the others queued behind:
// a slot is always computed at the limits known when it comes, and a 429
// or a lower limit learned meanwhile moves the waiting request back
// rather than letting it go at a pace the service has just refused.
type pacer struct {
	// turn is held by the request waiting for its slot.
	turn chan struct{}
	// maxEntries is the batch size, shared with the batcher.
	maxEntries *atomic.Int64

	mu      sync.Mutex
	calls   *rate.Limiter
	users   *rate.Limiter
	until   time.Time     // the service asked for no request before this
	writes  int           // the POST limit last announced
	changed chan struct{} // closed when a limit or until changes
}

// errTooBig is a request larger than the batch size learned since it was
// made: it should go in smaller parts.
var errTooBig = errors.New("more users than a batch may have now")

func newPacer(usersPerSec int) *pacer {
	p := &pacer{
		turn:       make(chan struct{}, 1),
		maxEntries: &atomic.Int64{},
		calls:      rate.NewLimiter(rate.Limit(DefaultWritesPerSecond), half(DefaultWritesPerSecond)),
		users:      rate.NewLimiter(rate.Limit(usersPerSec), half(usersPerSec)),
		writes:     DefaultWritesPerSecond,
		changed:    make(chan struct{}),
	}
	p.maxEntries.Store(int64(batchFor(usersPerSec)))
	return p
}

// half is half a second's worth of a per-second limit, at least 1.
func half(perSec int) int { return max(1, perSec/2) }

// batchFor is the batch size for a users limit: half a second's users,
// within the contract's 1000.
func batchFor(usersPerSec int) int { return min(MaxUsers, half(usersPerSec)) }

// notify wakes the request waiting for its slot. p.mu is held.
func (p *pacer) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// setUsers adopts a users-per-second limit.
func (p *pacer) setUsers(n int) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users.SetLimit(rate.Limit(n))
	p.users.SetBurst(half(n))
	p.maxEntries.Store(int64(batchFor(n)))
	p.notify()
}

// setWrites adopts a POST-per-second limit.
func (p *pacer) setWrites(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n <= 0 || n == p.writes {
		return
	}
	p.writes = n
	p.calls.SetLimit(rate.Limit(n))
	p.calls.SetBurst(half(n))
	p.notify()
}

// lowerBatch caps the batch size after the service refused a request for
// holding more users than the member's whole burst.
func (p *pacer) lowerBatch(n int) {
	for {
		cur := p.maxEntries.Load()
		if int64(n) >= cur || p.maxEntries.CompareAndSwap(cur, int64(max(1, n))) {
			return
		}
	}
}

// wait blocks until a request of n entries may go, or ctx is done. It
// returns errTooBig when n is more than a batch may hold now.
func (p *pacer) wait(ctx context.Context, n int) error {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.turn }()

	left := n // users tokens still to take, in bites of at most the burst
	for {
		if n > 1 && int64(n) > p.maxEntries.Load() {
			return errTooBig
		}
		d, changed := p.take(&left)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-changed:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		t.Stop()
	}
}

// take takes what tokens are there for a request: users tokens, then its
// call's. It returns how long to wait before trying again (0: the request
// may go), and the channel that says the wait is out of date.
func (p *pacer) take(left *int) (time.Duration, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if d := p.until.Sub(now); d > 0 {
		return d, p.changed
	}
	for *left > 0 {
		k := float64(min(*left, p.users.Burst()))
		if have := p.users.TokensAt(now); have < k {
			return perSecond(k-have, p.users.Limit()), p.changed
		}
		p.users.AllowN(now, int(k))
		*left -= int(k)
	}
	if have := p.calls.TokensAt(now); have < 1 {
		return perSecond(1-have, p.calls.Limit()), p.changed
	}
	p.calls.AllowN(now, 1)
	return 0, nil
}

// perSecond is how long tokens take at limit, at least a millisecond.
func perSecond(tokens float64, limit rate.Limit) time.Duration {
	d := time.Duration(tokens / float64(limit) * float64(time.Second))
	return max(d, time.Millisecond)
}

// pause holds every request back for d.
func (p *pacer) pause(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := time.Now().Add(d); t.After(p.until) {
		p.until = t
		p.notify()
	}
}

// observe reads the rate-limit headers of an answer.
func (p *pacer) observe(h http.Header) {
	if n, err := strconv.Atoi(h.Get("X-Ratelimit-Write")); err == nil {
		p.setWrites(n)
	}
	// Someone else spends the same member's calls (another push, another
	// client): wait for the next call's worth.
	if h.Get("X-Ratelimit-Remaining") == "0" {
		if n, err := strconv.Atoi(h.Get("X-Ratelimit-Limit")); err == nil && n > 0 {
			p.pause(time.Second / time.Duration(n))
		}
	}
}

// limitText finds the limit a 429 names: "... your request limit of 1000
// users per 1 seconds to rt-segment ..." (the contract's wording).
var limitText = regexp.MustCompile(`limit of (\d+) (writes|users) per (\d+) seconds?`)

// learn adopts the limit an error text names, if it names one: a 429, or
// the 400 LIMIT of a request with more users than the whole burst. It
// reports whether it found one.
func (p *pacer) learn(text string) bool {
	m := limitText.FindStringSubmatch(text)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[1])
	secs, _ := strconv.Atoi(m[3])
	if secs <= 0 || n/secs <= 0 {
		return false
	}
	if m[2] == "users" {
		p.setUsers(n / secs)
	} else {
		p.setWrites(n / secs)
	}
	return true
}

// throttled handles a 429: it learns the limit the text names, holds every
// request back for the Retry-After, and returns that wait.
func (p *pacer) throttled(a *answer) time.Duration {
	p.learn(a.resp.Error)
	d := retryAfter(a.header, time.Second)
	p.pause(d)
	return d
}

// retryAfter reads a Retry-After header (seconds, or an HTTP date), or
// returns def.
func retryAfter(h http.Header, def time.Duration) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return def
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return def
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
