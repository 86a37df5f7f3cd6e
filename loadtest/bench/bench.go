package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/loadgen"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
	"github.com/instant-audience/audience/internal/localcluster"
	"github.com/instant-audience/audience/internal/store"
)

// bench is one run: a local cluster, its store, and the accounts the load
// is spread over.
type bench struct {
	o        options
	p        plan
	log      io.Writer
	tmp      string // removed by close; "" when -dir was given
	cluster  *localcluster.Cluster
	rdb      *redis.Client
	st       *store.Store
	client   *http.Client
	accounts []scenario.Account
	// cpu is the CPU each part spent per request, by run.
	cpu map[string]cpuShare
}

// newBench builds the binaries from this tree and starts redis-server,
// the replicas and haproxy.
func newBench(ctx context.Context, o options, p plan, log io.Writer) (*bench, error) {
	if _, err := localcluster.FindTools(); err != nil {
		return nil, err
	}
	b := &bench{o: o, p: p, log: log, client: loadgen.NewClient(), cpu: map[string]cpuShare{}}
	dir := o.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "audience-bench-")
		if err != nil {
			return nil, err
		}
		b.tmp, dir = tmp, tmp
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := localcluster.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	b.step("building audience-api from %s", root)
	if err := localcluster.Build(ctx, root, filepath.Join(dir, "bin")); err != nil {
		b.close()
		return nil, err
	}
	b.step("starting redis-server, %d replicas and haproxy", o.replicas)
	// Info, not debug: a replica under load must not spend its time
	// logging every request.
	b.cluster, err = localcluster.Start(ctx, localcluster.Options{
		Bin: filepath.Join(dir, "bin"), Dir: dir, Replicas: o.replicas,
		Env: append([]string{"AUDIENCE_LOG_LEVEL=warn"}, o.replicaEnv...),
	})
	if err != nil {
		b.close()
		return nil, err
	}
	opts, err := redis.ParseURL(b.cluster.RedisURL)
	if err != nil {
		b.close()
		return nil, err
	}
	b.rdb = redis.NewClient(opts)
	b.st = store.New(b.rdb, b.cluster.KeyPrefix)
	return b, nil
}

// close stops the cluster and removes the temporary directory.
func (b *bench) close() {
	if b.rdb != nil {
		_ = b.rdb.Close()
	}
	if b.cluster != nil {
		if err := b.cluster.Stop(); err != nil {
			b.step("stopping the cluster: %v", err)
		}
	}
	if b.tmp != "" {
		_ = os.RemoveAll(b.tmp)
	}
}

// step says on the log what the run is doing, for the minutes it takes.
func (b *bench) step(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// config returns the scenarios' config over the balancer.
func (b *bench) config() scenario.Config {
	return scenario.Config{Base: b.cluster.URL, Accounts: b.accounts, Client: b.client,
		CountHeader: localcluster.ReplicaHeader}
}

// measure runs every measurement, in an order that keeps each one clean:
// memory first, on a store that holds only the demo data, so that no
// growth of Redis's main table left by another run lands in its delta.
func (b *bench) measure(ctx context.Context) (*report, error) {
	r := &report{short: b.o.short, cpus: runtime.NumCPU(), members: b.o.members,
		workers: b.o.workers, replicas: b.o.replicas, loadStart: loadAverage()}
	r.redisVersion = redisVersion(ctx, b.rdb)

	b.step("memory: %d users x 5 memberships through the store", b.p.memoryUsers)
	var err error
	if r.mem, err = b.memory(ctx, b.p.memoryUsers); err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}

	if b.o.memoryTable {
		b.step("memory by shape: %d users of 1 to 50 memberships", b.p.memoryUsers)
		if r.shapes, err = b.memoryTable(ctx, b.p.memoryUsers); err != nil {
			return nil, err
		}
	}

	b.step("provisioning %d members (limits raised out of the way), logging in", b.o.members)
	b.accounts, err = scenario.Provision(ctx, b.st, scenario.Spec{Members: b.o.members,
		Segments: 5, Limits: scenario.Unlimited})
	if err != nil {
		return nil, fmt.Errorf("provisioning: %w", err)
	}
	if err := scenario.LoginAll(ctx, b.client, b.cluster.URL, b.accounts); err != nil {
		return nil, err
	}

	b.step("redis-benchmark: pipelined HSET and EVALSHA of the apply script")
	if r.hset, r.eval, err = b.redisBenchmarks(ctx); err != nil {
		return nil, err
	}

	b.step("store layer alone: %d ApplyCounted calls at once, %v", b.o.workers, b.p.throughput)
	if err := b.resetCommandStats(ctx); err != nil {
		return nil, err
	}
	r.store = b.storeAlone(ctx)
	if r.store.Failed > 0 {
		return nil, fmt.Errorf("store layer alone: %v", r.store.Errors)
	}
	if r.storeScript, err = b.evalshaTime(ctx); err != nil {
		return nil, err
	}

	b.step("service, 1 replica: %d 1000-user POSTs at once, %v", b.o.workers, b.p.throughput)
	if r.one, err = b.serviceThroughput(ctx, 1); err != nil {
		return nil, err
	}
	b.step("service, %d replicas: %d 1000-user POSTs at once, %v", b.o.replicas, b.o.workers,
		b.p.throughput)
	if err := b.resetCommandStats(ctx); err != nil {
		return nil, err
	}
	if r.many, err = b.serviceThroughput(ctx, b.o.replicas); err != nil {
		return nil, err
	}
	if r.manyScript, err = b.evalshaTime(ctx); err != nil {
		return nil, err
	}

	b.step("latency: 1-user POSTs at 500/s and 2000/s, GET lookups at 2000/s, %v each,"+
		" to one replica then through haproxy", b.p.latency)
	if r.latency, err = b.latencies(ctx); err != nil {
		return nil, err
	}

	b.step("visibility: %d writes acknowledged by one replica, read from another",
		b.p.visibility)
	if r.vis, err = b.visibility(ctx, b.p.visibility); err != nil {
		return nil, err
	}
	r.loadEnd = loadAverage()
	r.cpu = b.cpu
	return r, ctx.Err()
}

// loadAverage returns the machine's load averages over 1, 5 and 15
// minutes, as /proc/loadavg has them.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// redisVersion returns the server's version, as INFO gives it.
func redisVersion(ctx context.Context, rdb *redis.Client) string {
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			return v
		}
	}
	return "unknown"
}
