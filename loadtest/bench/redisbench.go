package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"os/exec"
	"strconv"
	"strings"

	"github.com/instant-audience/audience/internal/store"
)

// redisRun is what redis-benchmark measured.
type redisRun struct {
	command string
	n       int
	// perSec is requests (commands or script calls) per second.
	perSec float64
	// p50 and p99 are milliseconds per request, pipeline included.
	p50, p99 float64
}

// Shape of the redis-benchmark runs: as many connections as MEASURED.md's
// figures, and a pipeline as deep as a 1000-user POST keeps many of.
const (
	redisClients  = 50
	redisPipeline = 16
	// redisKeySpace is the range of __rand_int__: wide, so that most
	// calls write a user that is new, as the throughput runs do.
	redisKeySpace = 10_000_000
)

// redisBenchmarks measures the raw limit of the cluster's Redis for a
// user's 5 memberships: one HSET of 5 fields, and one call of the very
// script that applies a user entry (which the memory run loaded).
func (b *bench) redisBenchmarks(ctx context.Context) (hset, eval redisRun, err error) {
	fields := []string{}
	for s := 10001; s <= 10005; s++ {
		fields = append(fields, strconv.Itoa(s), "1799999999:1")
	}
	hset, err = b.redisBenchmark(ctx, b.p.hsetN,
		append([]string{"HSET", "bench:h{__rand_int__}"}, fields...)...)
	if err != nil {
		return hset, eval, err
	}
	// The store's clock, as a request of many users passes it.
	now, err := b.rdb.Time(ctx).Result()
	if err != nil {
		return hset, eval, err
	}
	args := []string{"EVALSHA", store.ApplyScriptSHA(), "1", "bench:e{__rand_int__}",
		strconv.FormatInt(now.Unix(), 10)}
	for s := 10001; s <= 10005; s++ {
		args = append(args, strconv.Itoa(s), "1", "1440")
	}
	if eval, err = b.redisBenchmark(ctx, b.p.evalN, args...); err != nil {
		return hset, eval, err
	}
	return hset, eval, b.checkScriptRan(ctx)
}

// checkScriptRan makes sure the script calls did their work, rather than
// fail fast (redis-benchmark counts errors as requests): a user they
// wrote has its 5 memberships and a lifetime.
func (b *bench) checkScriptRan(ctx context.Context) error {
	keys, _, err := b.rdb.Scan(ctx, 0, "bench:e{*", 1000).Result()
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return fmt.Errorf("redis-benchmark EVALSHA wrote no user")
	}
	n, err := b.rdb.HLen(ctx, keys[0]).Result()
	if err != nil {
		return err
	}
	ttl, err := b.rdb.TTL(ctx, keys[0]).Result()
	if err != nil {
		return err
	}
	if n != 5 || ttl <= 0 {
		return fmt.Errorf("redis-benchmark EVALSHA left %s with %d fields and TTL %v, want 5 and"+
			" a day", keys[0], n, ttl)
	}
	return nil
}

// redisBenchmark runs redis-benchmark with one command against the
// cluster's Redis and reads its CSV report.
func (b *bench) redisBenchmark(ctx context.Context, n int, command ...string) (redisRun, error) {
	r := redisRun{command: command[0], n: n}
	u, err := url.Parse(b.cluster.RedisURL)
	if err != nil {
		return r, err
	}
	tool, err := exec.LookPath("redis-benchmark")
	if err != nil {
		return r, fmt.Errorf("redis-benchmark (apt-get install redis-tools): %w", err)
	}
	args := append([]string{"-h", u.Hostname(), "-p", u.Port(),
		"-c", strconv.Itoa(redisClients), "-n", strconv.Itoa(n),
		"-P", strconv.Itoa(redisPipeline), "-r", strconv.Itoa(redisKeySpace), "--csv"},
		command...)
	out, err := exec.CommandContext(ctx, tool, args...).Output()
	if err != nil {
		return r, fmt.Errorf("redis-benchmark %s: %w", command[0], err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	// The header, then one row: test, rps, avg, min, p50, p95, p99, max.
	if err != nil || len(rows) != 2 || len(rows[1]) < 7 {
		return r, fmt.Errorf("redis-benchmark %s: unexpected output %q (%v)",
			command[0], out, err)
	}
	if rows[1][0] == "" || strings.HasPrefix(rows[1][0], "ERR") {
		return r, fmt.Errorf("redis-benchmark %s: %q", command[0], out)
	}
	vals := make([]float64, 0, 3)
	for _, col := range []int{1, 4, 6} {
		v, err := strconv.ParseFloat(rows[1][col], 64)
		if err != nil {
			return r, fmt.Errorf("redis-benchmark %s: column %d: %w", command[0], col, err)
		}
		vals = append(vals, v)
	}
	r.perSec, r.p50, r.p99 = vals[0], vals[1], vals[2]
	return r, nil
}
