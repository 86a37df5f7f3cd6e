package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/ackcheck"
	"github.com/instant-audience/audience/internal/localcluster"
)

// Shape of the runs below: 100 POSTs a second of 4 users each, the fault
// a few seconds in, once the load is steady.
const (
	rate       = 100
	faultAfter = 3 * time.Second
	// recoveryBound is how soon after the store is back the contract
	// wants the service serving again.
	recoveryBound = 5 * time.Second
)

// adminClient is a client of the cluster's store for the test's own
// commands, with a read timeout past any pause the tests cause.
func adminClient(t *testing.T, c *localcluster.Cluster) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	opts.ReadTimeout = 10 * time.Second
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// onlyStatus fails the test if a POST that was not acknowledged got
// another answer than want, or none: the contract's answer to a store
// that fails is 503 with nothing acknowledged.
func onlyStatus(t *testing.T, run *ackcheck.Run, want int) {
	t.Helper()
	for _, o := range run.Failed() {
		if o.Status != want {
			t.Errorf("POST %d sent at +%v got %d (%s), want %d", o.Seq,
				o.Sent.Sub(run.Outcomes[0].Sent).Round(time.Millisecond), o.Status, o.Err, want)
			return
		}
	}
}

// TestRedisRestarted: Redis stopped for 3 s and started again under
// load. While it is down every replica fails /readyz and POSTs are
// answered 503, never 200; the replicas serve again by themselves within
// 5 s of Redis being back, and no acknowledged membership is lost.
//
//	make test-faults FAULTS=TestRedisRestarted
func TestRedisRestarted(t *testing.T) {
	c := mainCluster(t)
	a := newAccount(t, c)
	running := startLoad(t, c, a, rate, 12*time.Second)
	time.Sleep(faultAfter)

	if err := c.StopRedis(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	for i, base := range c.Replicas {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatalf("replica%d /readyz with Redis down: %v", i+1, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("replica%d /readyz with Redis down: %d, want 503", i+1, resp.StatusCode)
		}
	}
	sleepUntil(stopped.Add(3 * time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.StartRedis(ctx); err != nil {
		t.Fatal(err)
	}
	back := time.Now()

	run := running.Wait()
	t.Logf("redis down %v: %s", back.Sub(stopped).Round(time.Millisecond), run.Summary())
	onlyStatus(t, run, http.StatusServiceUnavailable)
	if ok := run.FailedBetween(time.Time{}, stopped.Add(-time.Second)); len(ok) > 0 {
		t.Errorf("%d POSTs failed before Redis stopped", len(ok))
	}
	recovered := run.RecoveredAt(back)
	if recovered.IsZero() {
		t.Fatal("the service did not serve again before the load ended")
	}
	t.Logf("recovered %v after Redis was back", recovered.Sub(back).Round(time.Millisecond))
	if d := recovered.Sub(back); d > recoveryBound {
		t.Errorf("recovered %v after Redis was back, want within %v", d, recoveryBound)
	}
	wantNoLoss(t, verify(t, c, run))
	if err := localcluster.WaitReplicas(ctx, c.URL, len(c.Replicas), 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestRedisSlowed: Redis stops answering for 3 s, by CLIENT PAUSE and by
// DEBUG SLEEP, under load. POSTs end within their deadline with 503,
// writes resume by themselves, nothing acknowledged is lost, and
// afterwards no replica holds more goroutines or Redis connections than
// before: nothing piled up behind the stall.
//
//	make test-faults FAULTS=TestRedisSlowed
func TestRedisSlowed(t *testing.T) {
	c := mainCluster(t)
	rdb := adminClient(t, c)
	ctx := context.Background()
	faults := []struct {
		name  string
		stall func() error
	}{
		{"CLIENT PAUSE", func() error {
			return rdb.Do(ctx, "CLIENT", "PAUSE", "3000", "ALL").Err()
		}},
		{"DEBUG SLEEP", func() error {
			// It returns once the server wakes.
			go func() { _ = rdb.Do(ctx, "DEBUG", "SLEEP", "3").Err() }()
			return nil
		}},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			a := newAccount(t, c)
			before := settledGauges(t, c, nil)
			running := startLoad(t, c, a, rate, 10*time.Second)
			time.Sleep(faultAfter)
			stalled := time.Now()
			if err := f.stall(); err != nil {
				t.Fatal(err)
			}
			awake := stalled.Add(3 * time.Second)

			run := running.Wait()
			t.Logf("%s for 3 s: %s", f.name, run.Summary())
			onlyStatus(t, run, http.StatusServiceUnavailable)
			for _, o := range run.Failed() {
				// The request's deadline, and some room for a loaded host.
				if o.Latency > requestTimeout+time.Second {
					t.Errorf("a 503 took %v, past the request timeout %v", o.Latency,
						requestTimeout)
					break
				}
			}
			if len(run.Failed()) == 0 {
				t.Error("no POST failed: the stall did not reach the service")
			}
			recovered := run.RecoveredAt(awake)
			if recovered.IsZero() {
				t.Fatal("writes did not resume before the load ended")
			}
			t.Logf("recovered %v after Redis woke", recovered.Sub(awake).Round(time.Millisecond))
			if d := recovered.Sub(awake); d > recoveryBound {
				t.Errorf("recovered %v after Redis woke, want within %v", d, recoveryBound)
			}
			wantNoLoss(t, verify(t, c, run))
			settledGauges(t, c, before)
		})
	}
}

// Gauges of the pile-up check.
const (
	goroutines = "go_goroutines"
	redisConns = "audience_redis_pool_connections"
	// goroutineSlack is how many goroutines a replica may hold above its
	// count before the load once it has settled: the balancer keeps a few
	// connections open, each with its goroutine.
	goroutineSlack = 40
	// poolSize is go-redis's default pool on this machine's two cores:
	// ten connections per CPU.
	poolSize = 20
)

// settledGauges reads each replica's goroutines and Redis connections.
// With before, it first waits (up to 20 s) until every replica is back
// within goroutineSlack of before, and fails the test otherwise or if a
// pool holds more connections than its size.
func settledGauges(t *testing.T, c *localcluster.Cluster,
	before []map[string]float64) []map[string]float64 {
	t.Helper()
	read := func() ([]map[string]float64, error) {
		out := make([]map[string]float64, len(c.Replicas))
		for i, base := range c.Replicas {
			g, err := gauges(base, goroutines, redisConns)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	}
	var now []map[string]float64
	var err error
	settled := func() bool {
		if now, err = read(); err != nil {
			return false
		}
		for i := range before {
			if now[i][goroutines] > before[i][goroutines]+goroutineSlack {
				return false
			}
		}
		return true
	}
	took, ok := waitFor(20*time.Second, settled)
	if err != nil {
		t.Fatal(err)
	}
	if before == nil {
		return now
	}
	line := make([]string, len(now))
	for i := range now {
		line[i] = fmt.Sprintf("replica%d %v->%v goroutines, %v Redis connections", i+1,
			before[i][goroutines], now[i][goroutines], now[i][redisConns])
		if now[i][redisConns] > poolSize {
			t.Errorf("replica%d holds %v Redis connections, past its pool of %d", i+1,
				now[i][redisConns], poolSize)
		}
	}
	t.Logf("after %v: %s", took.Round(100*time.Millisecond), strings.Join(line, "; "))
	if !ok {
		t.Errorf("goroutines did not settle within 20 s")
	}
	return now
}

// TestScriptFlushDuringWrites: SCRIPT FLUSH ten times a second during
// writes; every POST is acknowledged (the scripts are loaded again
// without the client seeing it) and nothing is lost.
//
//	make test-faults FAULTS=TestScriptFlushDuringWrites
func TestScriptFlushDuringWrites(t *testing.T) {
	c := mainCluster(t)
	rdb := adminClient(t, c)
	a := newAccount(t, c)
	running := startLoad(t, c, a, rate, 8*time.Second)
	time.Sleep(time.Second)
	flushes := 0
	for end := time.Now().Add(6 * time.Second); time.Now().Before(end); flushes++ {
		if err := rdb.ScriptFlush(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	run := running.Wait()
	t.Logf("%d SCRIPT FLUSH: %s", flushes, run.Summary())
	if n := len(run.Failed()); n > 0 {
		t.Errorf("%d POSTs failed, e.g. %+v", n, run.Failed()[0])
	}
	wantNoLoss(t, verify(t, c, run))
}
