package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/rtsegment"
)

// observe records every request's route pattern, method, status and
// latency. It runs outside recoverJSON, so a recovered panic counts as
// the 500 it was answered with.
func (s *Server) observe(c *gin.Context) {
	done := s.deps.Metrics.RequestStarted()
	c.Next()
	done(c.FullPath(), c.Request.Method, c.Writer.Status())
}

// observePost records what a POST /rt-segment applied and refused. The
// warning kinds are those the usage statistics count apart.
func (s *Server) observePost(res *rtsegment.Result) {
	m := s.deps.Metrics
	n := res.Counts
	m.Applied(res.UsersInRequest, n.ValidAdds, n.ValidRemoves)
	m.Warnings("invalid_user", n.InvalidUsers)
	m.Warnings("unknown_segment", n.InvalidSegments)
	m.Warnings("inactive_segment", n.InactiveSegments)
	m.Warnings("unauthorized_segment", n.UnauthSegments)
	m.Warnings("other", n.OtherErrors)
}

// serveMetrics answers GET /metrics in Prometheus's format: the one
// answer of the service that is not JSON.
func (s *Server) serveMetrics(c *gin.Context) {
	s.deps.MetricsHandler.ServeHTTP(c.Writer, c.Request)
}

// AdminHandler returns the handler of the admin port: /metrics, /healthz
// and /readyz, with the same JSON answers as the main port for anything
// else. It is served when AUDIENCE_ADMIN_ADDR is set; /metrics then
// leaves the main port.
func (s *Server) AdminHandler() http.Handler {
	e := s.engineBase()
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if s.deps.MetricsHandler != nil {
		e.GET("/metrics", s.serveMetrics)
	}
	return e
}
