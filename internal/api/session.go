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

// authenticate finds the caller's session and member, or answers 401 or
// 403 and stops the chain.
func (s *Server) authenticate(c *gin.Context) {
	sess, err := s.deps.Auth.Authenticate(c, tokenOf(c.Request))
	if errors.Is(err, auth.ErrBadToken) {
		fail(c, http.StatusUnauthorized, errNoAuth,
			"Authentication failed: the token is missing, unknown or expired.")
		return
	}
	if err != nil {
		s.storeFailed(c, err)
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
	c.Set(ctxMember, m.ID)
	c.Set(ctxRecord, m)
	c.Next()
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
