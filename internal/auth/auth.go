// Package auth turns usernames and passwords into tokens, and tokens into
// sessions. Passwords are kept as bcrypt hashes and tokens as SHA-256
// hashes; neither the password nor the token is ever stored or logged.
package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/instant-audience/audience/internal/store"
)

// Sessions is what the service needs of the store.
type Sessions interface {
	APIUser(ctx context.Context, name string) (store.APIUser, error)
	OpenSession(ctx context.Context, tokenHash string, s store.Session,
		idle, hard time.Duration) (store.Session, error)
	SessionTouch(tokenHash string, idle, hard time.Duration) *store.SessionTouch
	RevokeSession(ctx context.Context, tokenHash string) error
}

// ErrBadCredentials is returned for a wrong username or password alike.
var ErrBadCredentials = errors.New("invalid username or password")

// ErrBadToken is returned for a token that is missing, unknown, expired or
// revoked alike.
var ErrBadToken = errors.New("invalid or expired token")

// ThrottledError is returned when a login is refused by a throttle.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many login attempts; retry in %s", e.RetryAfter)
}

// Config sets lifetimes and costs. Zero fields take the defaults.
type Config struct {
	IdleTTL    time.Duration // a token dies this long after its last use (2h)
	HardTTL    time.Duration // and this long after it was issued (24h)
	BcryptCost int           // cost of the dummy hash compared for unknown users
}

// Service logs users in and checks tokens. It is safe for concurrent use.
type Service struct {
	store    Sessions
	throttle *Throttle
	cfg      Config

	dummyOnce sync.Once
	dummy     string

	// known maps the hashes of tokens seen valid to their members (see
	// Check).
	known *lru.Cache[string, int64]
}

// New returns a Service. throttle may be nil to disable login throttling
// (tests only).
func New(s Sessions, throttle *Throttle, cfg Config) *Service {
	if cfg.IdleTTL <= 0 {
		cfg.IdleTTL = 2 * time.Hour
	}
	if cfg.HardTTL <= 0 {
		cfg.HardTTL = 24 * time.Hour
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = DefaultBcryptCost
	}
	known, err := lru.New[string, int64](knownTokens)
	if err != nil {
		panic("auth: " + err.Error()) // only for a size below 1
	}
	return &Service{store: s, throttle: throttle, cfg: cfg, known: known}
}

// Login checks a username and password and opens a session. It returns
// ErrBadCredentials, a *ThrottledError, or a store error.
//
// An unknown or disabled user costs the same bcrypt comparison as a known
// one, so the answer's timing does not tell which part was wrong.
func (s *Service) Login(ctx context.Context, username, password, clientIP string) (string, error) {
	if s.throttle != nil {
		if err := s.throttle.Attempt(ctx, username, clientIP); err != nil {
			return "", err
		}
	}

	u, err := s.store.APIUser(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	hash := u.PasswordHash
	if err != nil || !u.Enabled || hash == "" {
		hash = s.dummyHash()
	}
	ok := checkPassword(hash, password) && err == nil && u.Enabled
	if !ok {
		return "", ErrBadCredentials
	}
	if s.throttle != nil {
		if err := s.throttle.Succeeded(ctx, username); err != nil {
			return "", err
		}
	}

	token := NewToken()
	_, err = s.store.OpenSession(ctx, HashToken(token),
		store.Session{User: u.Name, MemberID: u.MemberID}, s.cfg.IdleTTL, s.cfg.HardTTL)
	if err != nil {
		return "", err
	}
	if err := s.stillEnabled(ctx, u.Name, token); err != nil {
		return "", err
	}
	return token, nil
}

// stillEnabled closes the race with an operator disabling the user while
// this login was under way. Disabling writes the flag first and then
// revokes the sessions it finds indexed; this session was indexed before
// the flag is read again here. So either that revocation sees it, or this
// read sees the flag and the session is revoked here.
func (s *Service) stillEnabled(ctx context.Context, name, token string) error {
	u, err := s.store.APIUser(ctx, name)
	if err == nil && u.Enabled {
		return nil
	}
	if rerr := s.store.RevokeSession(ctx, HashToken(token)); rerr != nil {
		return rerr
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return ErrBadCredentials
}

// Authenticate returns the session of a token and renews its idle
// lifetime. It returns ErrBadToken or a store error.
func (s *Service) Authenticate(ctx context.Context, token string) (store.Session, error) {
	c, _, _ := s.Check(token)
	return c.Session(ctx)
}

// dummyHash is compared against when there is no real hash to compare, so
// that a login for a user who does not exist takes as long as one for a
// user who does. It is made once, at the configured cost.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := HashPassword(NewToken()[:32], s.cfg.BcryptCost)
		if err != nil {
			panic("auth: bcrypt failed on a fixed-size input: " + err.Error())
		}
		s.dummy = h
	})
	return s.dummy
}
