// Package limits enforces the per-member rate limits of the contract: POST
// calls, GET calls and accepted users per second, each a GCRA token bucket
// of go-redis/redis_rate whose burst is one second's worth.
//
// Every bucket lives in Redis, under the member's hash tag, and is read and
// spent by one script call: replicas keep no state of their own, so adding
// replicas never raises a limit. A limiter that cannot reach Redis returns
// an error, and the caller refuses the call (fail closed).
package limits

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/instant-audience/audience/internal/store"
)

// The contract's service-wide defaults, per member and second.
const (
	DefaultPostPerSec  = 100
	DefaultGetPerSec   = 1000
	DefaultUsersPerSec = 1000
)

// MaxPerSec is the highest limit the limiter applies. Past it, the
// bucket's emission interval (a microsecond) drowns in the float precision
// of the script's clock, so higher limits are applied as this one.
const MaxPerSec = 1_000_000

// Bucket is one of a member's three buckets.
type Bucket int

// The buckets of the contract.
const (
	// Posts counts POST /rt-segment calls.
	Posts Bucket = iota
	// Gets counts GET /rt-segment and GET /rt-segment-processed calls.
	Gets
	// Users counts the accepted user entries of POSTs.
	Users
)

// String names the bucket, as in its Redis key.
func (b Bucket) String() string {
	switch b {
	case Posts:
		return "post"
	case Gets:
		return "get"
	case Users:
		return "users"
	}
	return fmt.Sprintf("bucket%d", int(b))
}

// ErrNeverFits is returned for a cost above the bucket's burst: no wait
// makes room for it.
var ErrNeverFits = errors.New("cost exceeds the bucket's burst")

// Config holds the service-wide limits; a zero field takes the contract's
// default.
type Config struct {
	// PostPerSec bounds POST calls (100). AUDIENCE_LIMIT_POST_PER_SEC.
	PostPerSec int64
	// GetPerSec bounds GET calls (1000). AUDIENCE_LIMIT_GET_PER_SEC.
	GetPerSec int64
	// UsersPerSec bounds accepted users (1000).
	// AUDIENCE_LIMIT_USERS_PER_SEC.
	UsersPerSec int64
}

// Decision is the state of a bucket after a call to Take or GiveBack.
type Decision struct {
	// Allowed says whether the tokens were spent.
	Allowed bool
	// PerSec is the bucket's limit per second, which is also its burst.
	PerSec int64
	// Remaining is how many whole tokens are left now.
	Remaining int64
	// RetryAfter is, when not Allowed, how long until the same cost fits;
	// zero when Allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the bucket is full again.
	ResetAfter time.Duration
}

// Limiter spends members' tokens. It is safe for concurrent use.
type Limiter struct {
	rl  *redis_rate.Limiter
	st  *store.Store
	def store.Limits
}

// New returns a limiter keeping its buckets in st's Redis, with cfg's
// service-wide limits.
func New(st *store.Store, cfg Config) *Limiter {
	def := store.Limits{
		PostPerSec:  orDefault(cfg.PostPerSec, DefaultPostPerSec),
		GetPerSec:   orDefault(cfg.GetPerSec, DefaultGetPerSec),
		UsersPerSec: orDefault(cfg.UsersPerSec, DefaultUsersPerSec),
	}
	return &Limiter{rl: redis_rate.NewLimiter(st.Client()), st: st, def: def}
}

func orDefault(v, def int64) int64 {
	if v <= 0 {
		return def
	}
	return v
}

// For returns a member's limits: its own overrides where it has them (a
// zero override keeps the service-wide limit), capped at MaxPerSec.
func (l *Limiter) For(m store.Member) store.Limits {
	return store.Limits{
		PostPerSec:  min(orDefault(m.Limits.PostPerSec, l.def.PostPerSec), MaxPerSec),
		GetPerSec:   min(orDefault(m.Limits.GetPerSec, l.def.GetPerSec), MaxPerSec),
		UsersPerSec: min(orDefault(m.Limits.UsersPerSec, l.def.UsersPerSec), MaxPerSec),
	}
}

// Take spends n tokens of a member's bucket whose limit is perSec, or
// spends nothing when they do not all fit. n above perSec can never fit
// and returns ErrNeverFits without a store call. A store failure returns
// an error wrapping store.ErrUnavailable: the caller must refuse the call.
//
// The riders' commands go to Redis in the same round trip as the
// bucket's script, before it (store.Along); each rider reads its own
// reply, whatever the decision.
func (l *Limiter) Take(ctx context.Context, member int64, b Bucket, perSec int64,
	n int, riders ...store.Rider) (Decision, error) {
	if int64(n) > perSec {
		return Decision{PerSec: perSec}, fmt.Errorf("%w: %d > %d", ErrNeverFits, n, perSec)
	}
	rl := l.rl
	if len(riders) > 0 {
		rl = redis_rate.NewLimiter(l.st.Along(ctx, riders...))
	}
	return l.allowN(ctx, rl, member, b, perSec, n)
}

// GiveBack returns n tokens taken from a bucket, for a call that was
// refused after it had paid (a POST whose users did not fit), so that a
// refused call costs nothing. It never fills the bucket past its burst;
// when the bucket is within one token of full, the token is not returned
// (the script keeps the state it has unless the result is in the future),
// which errs on the side of the limit.
func (l *Limiter) GiveBack(ctx context.Context, member int64, b Bucket, perSec int64,
	n int) (Decision, error) {
	d, err := l.allowN(ctx, l.rl, member, b, perSec, -n)
	d.Remaining = min(d.Remaining, perSec)
	return d, err
}

func (l *Limiter) allowN(ctx context.Context, rl *redis_rate.Limiter, member int64, b Bucket,
	perSec int64, n int) (Decision, error) {
	perSec = min(max(perSec, 1), MaxPerSec)
	key := l.st.LimitKey(member, b.String())
	res, err := rl.AllowN(ctx, key, redis_rate.PerSecond(int(perSec)), n)
	if err != nil {
		return Decision{PerSec: perSec},
			fmt.Errorf("%w: rate limiter: %w", store.ErrUnavailable, err)
	}
	d := Decision{
		Allowed:    res.Allowed != 0 || n == 0,
		PerSec:     perSec,
		ResetAfter: max(res.ResetAfter, 0),
	}
	d.Remaining = remaining(d.ResetAfter, perSec)
	if !d.Allowed {
		d.RetryAfter = max(res.RetryAfter, 0)
	}
	return d, nil
}

// remaining counts the whole tokens left in a bucket that fills up in
// resetAfter. redis_rate's own count truncates a float quotient, so that
// 8.9999999 tokens (float noise of its clock) read as 8; a tolerance of a
// thousandth of a token reads them as the 9 they are.
func remaining(resetAfter time.Duration, perSec int64) int64 {
	used := resetAfter.Seconds() * float64(perSec)
	left := int64(math.Floor(float64(perSec) - used + 1e-3))
	return min(max(left, 0), perSec)
}
