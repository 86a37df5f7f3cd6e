package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
)

// Context keys set by authenticate.
const (
	ctxMember = "member_id"
	ctxRecord = "member"
)

type loginResponse struct {
	Status string `json:"status"`
	Token  string `json:"token"`
}

// login answers POST /auth. Any token the client sends along is ignored:
// clients resend their old one when they log in again.
func (s *Server) login(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	username, password, err := parseLogin(body)
	if err != nil {
		fail(c, http.StatusBadRequest, errSyntax, "Invalid login request: "+err.Error()+".")
		return
	}
	token, err := s.deps.Auth.Login(c, username, password, c.ClientIP())
	var throttled *auth.ThrottledError
	switch {
	case err == nil:
		writeOK(c, loginResponse{Status: "OK", Token: token})
	case errors.Is(err, auth.ErrBadCredentials):
		fail(c, http.StatusUnauthorized, errNoAuth, "Invalid username or password.")
	case errors.As(err, &throttled):
		c.Header("Retry-After", retryAfter(throttled.RetryAfter))
		fail(c, http.StatusTooManyRequests, errLimit,
			"Too many login attempts. Please wait and try again.")
	default:
		s.storeFailed(c, err)
	}
}

// prefetch gives the store read a route starts with, for member m, to
// send along with the call's admission; nil when there is none.
type prefetch func(c *gin.Context, m store.Member) store.Rider

// admit returns the handler that lets a call in, or answers 401, 403,
// 429 or 503 and stops the chain: it checks the token, finds its member,
// and spends one token of the member's calls bucket for the route, with
// the route's first read (pre, which may be nil) in the same round trip.
// For a token this replica has seen valid, the session's touch rides
// along too: one round trip for all. Any other token is checked first,
// alone, so that nothing is spent or read for a token that is not valid.
func (s *Server) admit(pre prefetch) gin.HandlerFunc {
	return func(c *gin.Context) {
		check, id, known := s.deps.Auth.Check(tokenOf(c.Request))
		if known && s.deps.Limiter != nil {
			// A member the registry cannot give, or not enabled, takes
			// the long way, which answers for it in the right order.
			if m, err := s.deps.Registry.Member(c, id); err == nil && m.Enabled {
				s.admitKnown(c, check, m, pre)
				return
			}
		}

		sess, err := check.Session(c)
		if !s.sessionOK(c, err) {
			return
		}
		m, err := s.deps.Registry.Member(c, sess.MemberID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.storeFailed(c, err)
			return
		}
		if err != nil || !m.Enabled {
			fail(c, http.StatusForbidden, errUnauth,
				"Your member is not enabled for the Instant Audience Service.")
			return
		}
		setMember(c, m)
		if s.settleCall(c, s.takeCall(c, m, pre.riders(c, m)...)) {
			c.Next()
		}
	}
}

// admitKnown is admit's one round trip for a token seen valid before,
// whose member m is enabled. The token's answer comes first: the bucket's
// is given only to a caller whose token is still valid. A token that
// stopped being valid (revoked, expired) gives back the call token it
// took, and is not known from then on.
func (s *Server) admitKnown(c *gin.Context, check *auth.Check, m store.Member, pre prefetch) {
	took := s.takeCall(c, m, append(pre.riders(c, m), check.Rider())...)
	sess, err := check.Session(c)
	if err == nil && sess.MemberID != m.ID {
		err = auth.ErrBadToken // a session's member never changes
	}
	if err != nil && !took.unlimited && took.err == nil && took.d.Allowed {
		// Not the caller's to spend: the token goes back, so that a
		// dead token sent many times at once costs its member nothing.
		s.returnCall(c, m, paidCall{bucket: took.bucket, perSec: took.perSec})
	}
	if !s.sessionOK(c, err) {
		return
	}
	setMember(c, m)
	if s.settleCall(c, took) {
		c.Next()
	}
}

// riders returns the read pre gives, if any.
func (pre prefetch) riders(c *gin.Context, m store.Member) []store.Rider {
	if pre == nil {
		return nil
	}
	if r := pre(c, m); r != nil {
		return []store.Rider{r}
	}
	return nil
}

// sessionOK answers 401 for a token that is not valid, or 503 when it
// could not be checked, and returns false then.
func (s *Server) sessionOK(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, auth.ErrBadToken):
		fail(c, http.StatusUnauthorized, errNoAuth,
			"Authentication failed: the token is missing, unknown or expired.")
	default:
		s.storeFailed(c, err)
	}
	return false
}

func setMember(c *gin.Context, m store.Member) {
	c.Set(ctxMember, m.ID)
	c.Set(ctxRecord, m)
}

// tokenOf reads the token from the Authorization header (bare, or after
// "Bearer ") or else from the access_token query parameter.
func tokenOf(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		// Tokens hold no white space, so the header is one word (the
		// token) or two (a scheme and the token).
		f := strings.Fields(h)
		if len(f) == 2 && strings.EqualFold(f[0], "bearer") {
			return f[1]
		}
		return strings.TrimSpace(h)
	}
	return r.URL.Query().Get("access_token")
}

func memberOf(c *gin.Context) store.Member {
	m, _ := c.Get(ctxRecord)
	rec, _ := m.(store.Member)
	return rec
}

// storeFailed answers a store failure with 503, and logs it. Errors that
// are not store failures are bugs, but get the same answer: nothing was
// done, and a retry is the client's best move.
func (s *Server) storeFailed(c *gin.Context, err error) {
	s.log.Warn("store failure", "request_id", c.GetString("request_id"),
		"path", c.Request.URL.Path, "err", err)
	unavailable(c)
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}
