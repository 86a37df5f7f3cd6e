package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz says the process is up. It calls nothing: a store outage must
// not get replicas restarted.
func (s *Server) healthz(c *gin.Context) {
	writeOK(c, statusOK{Status: "OK"})
}

// readyz says the replica should get traffic: it is not draining and its
// store answers.
func (s *Server) readyz(c *gin.Context) {
	if s.draining.Load() {
		c.Header("Retry-After", "1")
		fail(c, http.StatusServiceUnavailable, errSystem, "The service is shutting down.")
		return
	}
	ctx, cancel := context.WithTimeout(c, 2*time.Second)
	defer cancel()
	if err := s.deps.Store.Ping(ctx); err != nil {
		s.storeFailed(c, err)
		return
	}
	writeOK(c, statusOK{Status: "OK"})
}
