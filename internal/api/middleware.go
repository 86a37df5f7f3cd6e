package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// RequestIDHeader carries the request id, taken from the client or load
// balancer when it sends one, and returned on every answer.
const RequestIDHeader = "X-Request-Id"

func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(RequestIDHeader)
	if id == "" || len(id) > 128 {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set("request_id", id)
	c.Header(RequestIDHeader, id)
	c.Next()
}

// recoverJSON turns a panic into the contract's 500 body, logged with its
// stack. A panic is a bug: the answer says so without details.
func (s *Server) recoverJSON(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("panic", "request_id", c.GetString("request_id"),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				fail(c, http.StatusInternalServerError, errSystem, "Internal error.")
			}
		}
	}()
	c.Next()
}

// logRequest logs each request at Debug, and failures of the service at
// Warn. Only the path is logged, never the query: it may hold an
// access_token.
func (s *Server) logRequest(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelDebug
	if status >= 500 {
		level = slog.LevelWarn
	}
	s.log.Log(c.Request.Context(), level, "request",
		"request_id", c.GetString("request_id"),
		"method", c.Request.Method,
		"path", c.Request.URL.Path,
		"status", status,
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
		"client", c.ClientIP(),
		"member", c.GetInt64(ctxMember),
	)
}

// deadline bounds the store work of a request, so that a slow or dead
// store turns into a 503 rather than a request that hangs.
func (s *Server) deadline(c *gin.Context) {
	d := &deadlineState{base: c.Request.Context(), timeout: s.cfg.RequestTimeout}
	defer d.cancel()
	c.Set(ctxDeadline, d)
	d.renew(c)
	c.Next()
}

const ctxDeadline = "deadline"

// deadlineState lets the bound start again once a body has been read:
// the time a client takes to upload is not the store's, and must not turn
// a slow upload into a 503 that blames the store.
type deadlineState struct {
	base    context.Context
	timeout time.Duration
	cancels []context.CancelFunc
}

func (d *deadlineState) renew(c *gin.Context) {
	ctx, cancel := context.WithTimeout(d.base, d.timeout)
	d.cancels = append(d.cancels, cancel)
	c.Request = c.Request.WithContext(ctx)
}

func (d *deadlineState) cancel() {
	for _, cancel := range d.cancels {
		cancel()
	}
}

// renewDeadline starts the request's store bound again, from now.
func renewDeadline(c *gin.Context) {
	if d, ok := c.Get(ctxDeadline); ok {
		d.(*deadlineState).renew(c)
	}
}
