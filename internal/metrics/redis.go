package metrics

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// StoreHook returns a go-redis hook that times every command and pipeline
// and counts their failures. Add it to the service's client with AddHook.
func (m *Metrics) StoreHook() redis.Hook { return storeHook{m: m} }

type storeHook struct{ m *Metrics }

// DialHook leaves dials alone: a failed dial fails the command that
// needed it, and is counted there.
func (h storeHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook times one command. The op label is the command's name, from
// the short list of commands the store package sends.
func (h storeHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		h.m.storeOp(cmd.Name(), time.Since(start), failed(err))
		return err
	}
}

// ProcessPipelineHook times one pipeline as a whole.
func (h storeHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		h.m.storeOp("pipeline", time.Since(start), failed(err))
		return err
	}
}

// failed tells a failure from a missing key, which Redis answers as nil
// and go-redis returns as redis.Nil.
func failed(err error) bool {
	return err != nil && !errors.Is(err, redis.Nil)
}

// PoolStatser is a go-redis client of any topology: it reports its pool.
type PoolStatser interface{ PoolStats() *redis.PoolStats }

// poolCollector reports a go-redis client's pool statistics when scraped.
type poolCollector struct {
	stats func() *redis.PoolStats

	total, idle, stale, pending                 *prometheus.Desc
	hits, misses, timeouts, waits, waitDuration *prometheus.Desc
}

// RegisterPool registers, on reg, the pool statistics of client: open and
// idle connections, and how often a command found, missed or waited for a
// free one. For a Sentinel or Cluster client they are summed over servers.
func RegisterPool(reg prometheus.Registerer, client PoolStatser) error {
	d := func(name, help string) *prometheus.Desc {
		fq := prometheus.BuildFQName(Namespace, "redis_pool", name)
		return prometheus.NewDesc(fq, help, nil, nil)
	}
	return reg.Register(&poolCollector{
		stats:   client.PoolStats,
		total:   d("connections", "Connections open to Redis."),
		idle:    d("idle_connections", "Open connections not in use."),
		stale:   d("stale_connections_total", "Connections closed as stale."),
		pending: d("pending_requests", "Commands waiting for a connection."),
		hits:    d("hits_total", "Times a free connection was found in the pool."),
		misses:  d("misses_total", "Times no free connection was in the pool."),
		timeouts: d("timeouts_total",
			"Times a command gave up waiting for a connection (AUDIENCE_REDIS_POOL_TIMEOUT)."),
		waits:        d("waits_total", "Times a command waited for a connection."),
		waitDuration: d("wait_seconds_total", "Time commands spent waiting for a connection."),
	})
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.total, c.idle, c.stale, c.pending,
		c.hits, c.misses, c.timeouts, c.waits, c.waitDuration} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	if s == nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(c.total, float64(s.TotalConns))
	gauge(c.idle, float64(s.IdleConns))
	gauge(c.pending, float64(s.PendingRequests))
	counter(c.stale, float64(s.StaleConns))
	counter(c.hits, float64(s.Hits))
	counter(c.misses, float64(s.Misses))
	counter(c.timeouts, float64(s.Timeouts))
	counter(c.waits, float64(s.WaitCount))
	counter(c.waitDuration, time.Duration(s.WaitDurationNs).Seconds())
}
