package auth

import (
	"context"
	"time"
)

// ThrottleConfig bounds logins. Each bound holds in any window of Window,
// across every replica: the events are logged in the store. Zero fields
// take the defaults.
type ThrottleConfig struct {
	// SuccessPerUser is how many successful logins one username may make
	// per Window (10, as the contract fixes).
	SuccessPerUser int
	// AttemptsPerUser is how many login attempts, right or wrong, one
	// username may make per Window (20): it bounds password guessing.
	AttemptsPerUser int
	// AttemptsPerAddr is how many login attempts one client address may
	// make per Window (100): it stops one address guessing across users,
	// and bounds the bcrypt work anyone can cause.
	AttemptsPerAddr int
	// Window is the period of the three bounds (5 minutes).
	Window time.Duration
}

// Windows is what the throttle needs of the store.
type Windows interface {
	SpendWindow(ctx context.Context, key string, limit int,
		window time.Duration) (bool, time.Duration, error)
}

// Throttle applies ThrottleConfig.
type Throttle struct {
	store Windows
	cfg   ThrottleConfig
}

// NewThrottle returns a Throttle keeping its logs in st.
func NewThrottle(st Windows, cfg ThrottleConfig) *Throttle {
	if cfg.SuccessPerUser <= 0 {
		cfg.SuccessPerUser = 10
	}
	if cfg.AttemptsPerUser <= 0 {
		cfg.AttemptsPerUser = 20
	}
	if cfg.AttemptsPerAddr <= 0 {
		cfg.AttemptsPerAddr = 100
	}
	if cfg.Window <= 0 {
		cfg.Window = 5 * time.Minute
	}
	return &Throttle{store: st, cfg: cfg}
}

// Each log has a hash tag of its own, one per username or address.
func userKey(user, kind string) string { return "login{u:" + user + "}:" + kind }

func addrKey(addr string) string { return "login{ip:" + addr + "}:attempts" }

// Attempt spends one attempt of the username and one of the address, or
// refuses the login. It is spent before the password is checked, so that
// concurrent guesses cannot all slip past a bound that is only looked at.
func (t *Throttle) Attempt(ctx context.Context, user, addr string) error {
	if err := t.spend(ctx, userKey(user, "attempts"), t.cfg.AttemptsPerUser); err != nil {
		return err
	}
	return t.spend(ctx, addrKey(addr), t.cfg.AttemptsPerAddr)
}

// Succeeded spends one successful login of the username, or refuses it.
func (t *Throttle) Succeeded(ctx context.Context, user string) error {
	return t.spend(ctx, userKey(user, "ok"), t.cfg.SuccessPerUser)
}

func (t *Throttle) spend(ctx context.Context, key string, limit int) error {
	ok, wait, err := t.store.SpendWindow(ctx, key, limit, t.cfg.Window)
	if err != nil {
		return err
	}
	if !ok {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}
