package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/instant-audience/audience/internal/store"
)

// ThrottleConfig bounds logins. Each bound is a token bucket in Redis,
// shared by every replica. Zero fields take the defaults.
type ThrottleConfig struct {
	// SuccessPerUser is how many successful logins one username may make
	// per Window (10, as the contract fixes).
	SuccessPerUser int
	// FailuresPerUser is how many failed logins one username may make per
	// Window before further attempts are refused (20).
	FailuresPerUser int
	// FailuresPerAddr is how many failed logins one client address may
	// make per Window (100): it stops one address guessing across users.
	FailuresPerAddr int
	// Window is the period of the three bounds (5 minutes).
	Window time.Duration
}

// Throttle applies ThrottleConfig over redis_rate.
type Throttle struct {
	lim    *redis_rate.Limiter
	prefix string
	cfg    ThrottleConfig
}

// NewThrottle returns a Throttle keeping its buckets in st's Redis.
func NewThrottle(st *store.Store, cfg ThrottleConfig) *Throttle {
	if cfg.SuccessPerUser <= 0 {
		cfg.SuccessPerUser = 10
	}
	if cfg.FailuresPerUser <= 0 {
		cfg.FailuresPerUser = 20
	}
	if cfg.FailuresPerAddr <= 0 {
		cfg.FailuresPerAddr = 100
	}
	if cfg.Window <= 0 {
		cfg.Window = 5 * time.Minute
	}
	return &Throttle{lim: redis_rate.NewLimiter(st.Client()), prefix: st.Prefix(), cfg: cfg}
}

func (t *Throttle) limit(n int) redis_rate.Limit {
	return redis_rate.Limit{Rate: n, Burst: n, Period: t.cfg.Window}
}

// Bucket keys carry their own hash tag, one per username or address.
func (t *Throttle) userKey(user, kind string) string {
	return fmt.Sprintf("%slogin{u:%s}:%s", t.prefix, user, kind)
}

func (t *Throttle) addrKey(addr string) string {
	return fmt.Sprintf("%slogin{ip:%s}:fail", t.prefix, addr)
}

// BeforeAttempt refuses an attempt when the username's or the address's
// failure bucket is empty. It looks without spending (a cost of 0), so a
// correct password after a few typos still gets in.
func (t *Throttle) BeforeAttempt(ctx context.Context, user, addr string) error {
	if err := t.peek(ctx, t.userKey(user, "fail"), t.cfg.FailuresPerUser); err != nil {
		return err
	}
	return t.peek(ctx, t.addrKey(addr), t.cfg.FailuresPerAddr)
}

// Failed spends one token of both failure buckets.
func (t *Throttle) Failed(ctx context.Context, user, addr string) error {
	if _, err := t.lim.Allow(ctx, t.userKey(user, "fail"), t.limit(t.cfg.FailuresPerUser)); err != nil {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	_, err := t.lim.Allow(ctx, t.addrKey(addr), t.limit(t.cfg.FailuresPerAddr))
	if err != nil {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return nil
}

// Succeeded spends one token of the username's success bucket, or refuses
// the login when it is empty.
func (t *Throttle) Succeeded(ctx context.Context, user string) error {
	res, err := t.lim.Allow(ctx, t.userKey(user, "ok"), t.limit(t.cfg.SuccessPerUser))
	if err != nil {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	if res.Allowed == 0 {
		return &ThrottledError{RetryAfter: res.RetryAfter}
	}
	return nil
}

func (t *Throttle) peek(ctx context.Context, key string, n int) error {
	lim := t.limit(n)
	res, err := t.lim.AllowN(ctx, key, lim, 0)
	if err != nil {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	if res.Remaining < 1 {
		// Less than one token left: the next one is at most one emission
		// interval away.
		return &ThrottledError{RetryAfter: lim.Period / time.Duration(lim.Rate)}
	}
	return nil
}
