package auth

import (
	"context"
	"errors"

	"github.com/instant-audience/audience/internal/store"
)

// knownTokens bounds how many tokens' members a replica remembers: far
// more than the clients a replica serves at once, and a few megabytes.
const knownTokens = 1 << 16

// Check is the check of one token: the touch of its session, which may
// travel in another call's round trip (Rider), and whose answer Session
// reads.
type Check struct {
	s     *Service
	hash  string
	touch *store.SessionTouch
}

// Check prepares the check of a token. When this replica has seen the
// token valid before, known is true and member is the token's member (a
// session's member never changes): the caller may then send the check
// along with its first work for that member, and must discard that
// work's result if Session refuses the token. A token never seen valid
// here is not known, so a forged one never gets work done for anybody.
func (s *Service) Check(token string) (c *Check, member int64, known bool) {
	c = &Check{s: s}
	if token == "" {
		return c, 0, false
	}
	c.hash = HashToken(token)
	c.touch = s.store.SessionTouch(c.hash, s.cfg.IdleTTL, s.cfg.HardTTL)
	member, known = s.known.Get(c.hash)
	return c, member, known
}

// Rider is the session's touch, to send along with other store work.
func (c *Check) Rider() store.Rider { return c.touch }

// Session returns the token's session, its idle lifetime renewed, or
// ErrBadToken, or a store error. It touches the session now if its touch
// did not ride along with other work.
func (c *Check) Session(ctx context.Context) (store.Session, error) {
	if c.touch == nil {
		return store.Session{}, ErrBadToken
	}
	sess, err := c.touch.Session(ctx)
	switch {
	case err == nil:
		c.s.known.Add(c.hash, sess.MemberID)
	case errors.Is(err, store.ErrNotFound):
		c.s.known.Remove(c.hash)
		return sess, ErrBadToken
	}
	return sess, err
}
