// Package metrics holds the service's Prometheus metrics. Everything is
// registered on a registry passed in, never the global one, so that two
// servers in one test process each have their own.
//
// Labels are of low cardinality by construction: routes are gin's route
// patterns, methods and codes come from short fixed sets, and kinds and
// limits are names chosen in code. No member, user, segment or token
// ever becomes a label.
//
// Every method is safe on a nil *Metrics and does nothing there, so code
// under test needs no registry.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Namespace is the prefix of every metric name.
const Namespace = "audience"

// Metrics records what the service does.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge

	users    prometheus.Counter
	segments *prometheus.CounterVec
	warnings *prometheus.CounterVec
	limits   *prometheus.CounterVec

	storeLatency *prometheus.HistogramVec
	storeErrors  *prometheus.CounterVec
}

// requestBuckets span a health check (well under a millisecond) to a
// request cut by its 10 s deadline.
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// storeBuckets span one command on loopback (tens of microseconds) to a
// pipeline of a thousand scripts on a loaded server.
var storeBuckets = []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// New registers the service's metrics on reg. It panics if they are
// registered there already: that is a wiring bug, found at start.
func New(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by route pattern and method.",
			Buckets: requestBuckets,
		}, []string{"route", "method"}),
		inFlight: f.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "Requests being served now.",
		}),
		users: f.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "rtsegment", Name: "users_applied_total",
			Help: "User entries of POST /rt-segment applied to the store.",
		}),
		segments: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "rtsegment", Name: "segments_applied_total",
			Help: "Seg blocks applied to the store, by operation (add or remove).",
		}, []string{"op"}),
		warnings: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "rtsegment", Name: "warnings_total",
			Help: "Items of POST /rt-segment refused with a warning, by kind.",
		}, []string{"kind"}),
		limits: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "ratelimit", Name: "decisions_total",
			Help: "Rate-limit decisions, by limit and decision (allowed or rejected).",
		}, []string{"limit", "decision"}),
		storeLatency: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "store", Name: "duration_seconds",
			Help:    "Time of Redis commands and pipelines, by operation.",
			Buckets: storeBuckets,
		}, []string{"op"}),
		storeErrors: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "store", Name: "errors_total",
			Help: "Redis commands and pipelines that failed (a missing key is no failure).",
		}, []string{"op"}),
	}
}

// RequestStarted counts a request in flight; the function it returns
// records its end with the route pattern ("" when no route matched), the
// method and the status code.
func (m *Metrics) RequestStarted() func(route, method string, code int) {
	if m == nil {
		return func(string, string, int) {}
	}
	start := time.Now()
	m.inFlight.Inc()
	return func(route, method string, code int) {
		m.inFlight.Dec()
		if route == "" {
			route = "unmatched"
		}
		method = knownMethod(method)
		m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
		m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	}
}

// knownMethod keeps the method label to a fixed set: a client may send
// any token as a method.
func knownMethod(m string) string {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return m
	}
	return "other"
}

// Applied records a POST /rt-segment applied to the store: its accepted
// user entries and its valid blocks that add and that remove.
func (m *Metrics) Applied(users, adds, removes int) {
	if m == nil {
		return
	}
	m.users.Add(float64(users))
	m.segments.WithLabelValues("add").Add(float64(adds))
	m.segments.WithLabelValues("remove").Add(float64(removes))
}

// Warnings records n refused items of one kind, a name from a short
// fixed list such as "unknown_segment"; n of 0 records nothing.
func (m *Metrics) Warnings(kind string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.warnings.WithLabelValues(kind).Add(float64(n))
}

// LimitDecision records one rate-limit decision. limit is the name of
// the limit, from a fixed list ("post", "get", "users", "login"...), never
// a member or user id.
func (m *Metrics) LimitDecision(limit string, allowed bool) {
	if m == nil {
		return
	}
	decision := "rejected"
	if allowed {
		decision = "allowed"
	}
	m.limits.WithLabelValues(limit, decision).Inc()
}

// storeOp records one Redis command or pipeline.
func (m *Metrics) storeOp(op string, d time.Duration, failed bool) {
	if m == nil {
		return
	}
	m.storeLatency.WithLabelValues(op).Observe(d.Seconds())
	if failed {
		m.storeErrors.WithLabelValues(op).Inc()
	}
}
