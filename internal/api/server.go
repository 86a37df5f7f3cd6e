// Package api is the HTTP face of the service: Gin routes, middleware, the
// contract's envelope and the mapping of errors to answers.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/metrics"
	"github.com/instant-audience/audience/internal/registry"
	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/store"
)

// Authenticator logs users in and checks tokens; *auth.Service is one.
type Authenticator interface {
	Login(ctx context.Context, username, password, clientIP string) (string, error)
	// Check prepares the check of a token, and gives its member when the
	// token was seen valid before.
	Check(token string) (c *auth.Check, member int64, known bool)
}

// Registry knows members and segments.
type Registry interface {
	Member(ctx context.Context, id int64) (store.Member, error)
	Resolve(ctx context.Context, ids []int64, codes []store.CodeRef) (registry.Lookup, error)
}

// Store applies and reads memberships.
type Store interface {
	ApplyCounted(ctx context.Context, users []store.UserWrite, usage *store.Usage) error
	Memberships(ctx context.Context, domain, id string) ([]store.Membership, time.Time, error)
	MembershipsRead(domain, id string) *store.MembershipsRead
	Ping(ctx context.Context) error
}

// Config holds the API's settings.
type Config struct {
	// Limits are the caps of one POST /rt-segment.
	Limits rtsegment.Limits
	// DefaultExpiration is the lifetime in minutes of a membership whose
	// block gives none and whose member sets no default (0 = never).
	DefaultExpiration int64
	// RequestTimeout bounds the store work of one request.
	RequestTimeout time.Duration
	// TrustedProxies are the addresses and CIDRs of the load balancers
	// whose X-Forwarded-For gives the client address; none by default,
	// and then the direct peer is the client.
	TrustedProxies []string
	// SeparateAdmin moves /metrics from the main handler to
	// AdminHandler's.
	SeparateAdmin bool
	// UIDMapTTL is the lifetime of a mapping posted to /uid-map; 0 is
	// DefaultUIDMapTTL.
	UIDMapTTL time.Duration
}

// Deps are the services the API calls.
type Deps struct {
	Auth     Authenticator
	Registry Registry
	Store    Store
	Logger   *slog.Logger
	// Metrics records requests and what they did; nil records nothing.
	Metrics *metrics.Metrics
	// MetricsHandler serves GET /metrics; nil serves no /metrics.
	MetricsHandler http.Handler
	// Limiter enforces the members' rate limits; nil limits nothing.
	Limiter Limiter
	// Stats reads usage statistics for GET /rt-segment-processed.
	Stats Stats
	// UIDMaps keeps the members' user id mappings (POST /uid-map).
	UIDMaps UIDMaps
}

// Server serves the API.
type Server struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	draining atomic.Bool
	engine   *gin.Engine
}

// New builds the server and its routes.
func New(cfg Config, deps Deps) *Server {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, deps: deps, log: log}
	s.engine = s.routes()
	return s
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.engine }

// Drain makes /readyz fail from now on, so that load balancers stop
// sending new requests before the server stops.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) routes() *gin.Engine {
	e := s.engineBase()
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/openapi.json", s.openAPI)
	if s.deps.MetricsHandler != nil && !s.cfg.SeparateAdmin {
		e.GET("/metrics", s.serveMetrics)
	}
	e.POST("/auth", s.login)

	e.POST("/rt-segment", s.admit(nil), s.postSegments)
	e.GET("/rt-segment", s.admit(s.prefetchUser), s.getSegments)
	e.GET("/rt-segment-processed", s.admit(nil), s.getProcessed)
	e.POST("/uid-map", s.admit(nil), s.postUIDMap)
	return e
}

// engineBase returns an engine with the middleware and the JSON answers
// to unknown paths and wrong methods, and no route yet.
func (s *Server) engineBase() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// A path is either known or answered 404: no redirects, which clients
	// of the reference service would not follow with their body.
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	// Client addresses come from the direct peer unless trusted proxies
	// are configured; config validated them, so an error here is a bug
	// that leaves every proxy untrusted.
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		s.log.Error("trusted proxies refused; trusting none", "err", err)
		_ = e.SetTrustedProxies(nil)
	}

	// recoverJSON sits inside the logging and metrics middleware, so that
	// a request that panicked is still logged and counted.
	e.Use(s.requestID, s.observe, s.logRequest, s.recoverJSON, s.deadline)
	// Error texts never echo the path or method: they are the client's
	// bytes, and the contract keeps certain words out of error bodies.
	e.NoRoute(func(c *gin.Context) {
		fail(c, http.StatusNotFound, errSyntax, "Unknown path.")
	})
	e.NoMethod(func(c *gin.Context) {
		fail(c, http.StatusBadRequest, errSyntax,
			"Method not allowed on this path; allowed: "+c.Writer.Header().Get("Allow")+".")
	})
	return e
}
