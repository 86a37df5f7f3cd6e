package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/limits"
	"github.com/instant-audience/audience/internal/store"
)

// Limiter spends members' rate-limit tokens; *limits.Limiter is one.
type Limiter interface {
	For(m store.Member) store.Limits
	Take(ctx context.Context, member int64, b limits.Bucket, perSec int64,
		n int, riders ...store.Rider) (limits.Decision, error)
	GiveBack(ctx context.Context, member int64, b limits.Bucket, perSec int64,
		n int) (limits.Decision, error)
}

// Rate-limit headers of every answer to an authenticated call. Clients of
// the reference service read X-Ratelimit-Write and X-Ratelimit-Read to
// pace themselves.
const (
	hdrLimit     = "X-RateLimit-Limit"
	hdrRemaining = "X-RateLimit-Remaining"
	hdrReset     = "X-RateLimit-Reset"
	hdrWrite     = "X-Ratelimit-Write"
	hdrRead      = "X-Ratelimit-Read"
)

// ctxCall holds the calls bucket a request paid into, for the POST
// handler to give the token back when the users bucket refuses.
const ctxCall = "rate_call"

// paidCall is what limitCalls spent.
type paidCall struct {
	bucket limits.Bucket
	perSec int64
}

// callBucket picks the calls bucket of a route, and the words of its 429.
func callBucket(c *gin.Context, l store.Limits) (b limits.Bucket, perSec int64, unit, to string) {
	if c.Request.Method == http.MethodPost {
		return limits.Posts, l.PostPerSec, "writes", "rt-segment"
	}
	to = "rt-segment"
	if c.FullPath() == "/rt-segment-processed" {
		to = "rt-segment-processed"
	}
	return limits.Gets, l.GetPerSec, "reads", to
}

// callTake is what takeCall got: the member's calls bucket for the
// route, and the limiter's decision on one token of it.
type callTake struct {
	lim       store.Limits
	bucket    limits.Bucket
	perSec    int64
	unit, to  string
	d         limits.Decision
	err       error
	unlimited bool
}

// takeCall spends one token of the member's calls bucket for the route,
// with the riders' commands in the same round trip. settleCall answers
// from what it got. A nil Limiter (tests of other parts) limits nothing.
func (s *Server) takeCall(c *gin.Context, m store.Member, riders ...store.Rider) callTake {
	if s.deps.Limiter == nil {
		return callTake{unlimited: true}
	}
	t := callTake{lim: s.deps.Limiter.For(m)}
	t.bucket, t.perSec, t.unit, t.to = callBucket(c, t.lim)
	t.d, t.err = s.deps.Limiter.Take(c, m.ID, t.bucket, t.perSec, 1, riders...)
	return t
}

// settleCall sets the rate-limit headers of a call whose token was
// accepted, and answers 429 when its calls bucket refused it, or 503 when
// the limiter could not reach the store: a call is never let through
// unmetered. It returns whether the call goes on.
func (s *Server) settleCall(c *gin.Context, t callTake) bool {
	if t.unlimited {
		return true
	}
	c.Header(hdrWrite, strconv.FormatInt(t.lim.PostPerSec, 10))
	c.Header(hdrRead, strconv.FormatInt(t.lim.GetPerSec, 10))
	c.Header(hdrLimit, strconv.FormatInt(t.perSec, 10))
	if t.err != nil {
		s.storeFailed(c, t.err)
		return false
	}
	s.deps.Metrics.LimitDecision(t.bucket.String(), t.d.Allowed)
	setBucketHeaders(c, t.d)
	if !t.d.Allowed {
		rateExceeded(c, t.d.RetryAfter, t.perSec, t.unit, t.to)
		return false
	}
	c.Set(ctxCall, paidCall{bucket: t.bucket, perSec: t.perSec})
	return true
}

// chargeUsers spends n tokens of the member's users bucket for a POST
// whose n entries were accepted, before anything is written. It answers
// and returns false when they do not fit: 400 LIMIT when n exceeds the
// whole burst (no wait helps), else 429 with the call's own token given
// back, so that a refused POST costs nothing.
func (s *Server) chargeUsers(c *gin.Context, m store.Member, n int) bool {
	if s.deps.Limiter == nil || n == 0 {
		return true
	}
	perSec := s.deps.Limiter.For(m).UsersPerSec
	d, err := s.deps.Limiter.Take(c, m.ID, limits.Users, perSec, n)
	switch {
	case errors.Is(err, limits.ErrNeverFits):
		fail(c, http.StatusBadRequest, errLimit, fmt.Sprintf(
			"This request has %d valid user entries, more than this member's limit of %d"+
				" users per 1 seconds to rt-segment: it can never be accepted."+
				" Send at most %d user entries per request.", n, perSec, perSec))
		return false
	case err != nil:
		s.storeFailed(c, err)
		return false
	}
	s.deps.Metrics.LimitDecision(limits.Users.String(), d.Allowed)
	if d.Allowed {
		return true
	}

	s.giveBackCall(c, m)
	rateExceeded(c, d.RetryAfter, perSec, "users", "rt-segment")
	return false
}

// giveBackCall returns the calls token of a request refused after it
// paid. A failure only costs the client that token, so it is logged, not
// answered.
func (s *Server) giveBackCall(c *gin.Context, m store.Member) {
	v, ok := c.Get(ctxCall)
	paid, _ := v.(paidCall)
	if !ok {
		return
	}
	if d, ok := s.returnCall(c, m, paid); ok {
		setBucketHeaders(c, d)
	}
}

// returnCall gives back one token of a calls bucket. A failure only costs
// the member that token, so it is logged, not answered.
func (s *Server) returnCall(c *gin.Context, m store.Member, paid paidCall) (limits.Decision, bool) {
	d, err := s.deps.Limiter.GiveBack(c, m.ID, paid.bucket, paid.perSec, 1)
	if err != nil {
		s.log.Warn("rate limiter: giving back a call token failed",
			"request_id", c.GetString("request_id"), "err", err)
		return d, false
	}
	return d, true
}

// setBucketHeaders writes the calls bucket's state after d.
func setBucketHeaders(c *gin.Context, d limits.Decision) {
	c.Header(hdrRemaining, strconv.FormatInt(d.Remaining, 10))
	c.Header(hdrReset, strconv.FormatInt(int64(math.Ceil(d.ResetAfter.Seconds())), 10))
}

// rateExceeded answers the contract's 429. Retry-After is the bucket's
// wait rounded up to whole seconds, at least 1: the same call fits then.
func rateExceeded(c *gin.Context, wait time.Duration, perSec int64, unit, to string) {
	c.Header("Retry-After", retryAfter(wait))
	fail(c, http.StatusTooManyRequests, errLimit, fmt.Sprintf(
		"Rate limit exceeded. You have exceeded your request limit of %d %s per 1 seconds to %s,"+
			" please wait and try again or contact your account manager for higher limits",
		perSec, unit, to))
}
