package app

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/testredis"
)

// Bounds of the steady writer of the failover tests.
const (
	// writeEvery is the pause between two POSTs: about 100 a second.
	writeEvery = 10 * time.Millisecond
	// writerLimit bounds a writer's run whatever happens.
	writerLimit = 60 * time.Second
	// writerMaxPosts bounds a writer's POSTs whatever happens.
	writerMaxPosts = 6000
	// healthyRun is how long writes must succeed without a failure, after
	// the failover, for the service to count as recovered.
	healthyRun = 2 * time.Second
	// failoverUsers is how many user ids the writer cycles through; with
	// a Cluster they spread over every master.
	failoverUsers = 64
)

// outcome is one POST of the steady writer.
type outcome struct {
	at      time.Time
	took    time.Duration
	status  int // 0: no answer
	userID  int
	errText string
}

// writer POSTs one membership at a time through the service until told
// to stop, and keeps every outcome.
type writer struct {
	base, token string
	client      *http.Client

	mu   sync.Mutex
	outs []outcome
	stop chan struct{}
	done chan struct{}
}

func startWriter(base, token string) *writer {
	w := &writer{base: base, token: token, stop: make(chan struct{}), done: make(chan struct{}),
		client: &http.Client{Timeout: 15 * time.Second}}
	go w.run()
	return w
}

func (w *writer) run() {
	defer close(w.done)
	end := time.Now().Add(writerLimit)
	for i := 0; i < writerMaxPosts && time.Now().Before(end); i++ {
		select {
		case <-w.stop:
			return
		default:
		}
		w.post(i % failoverUsers)
		time.Sleep(writeEvery)
	}
}

func (w *writer) post(user int) {
	body := fmt.Sprintf(`{"rt_segment":[{"user_id":"%d",`+
		`"seg_block":[{"seg_id":10001,"value":%d}]}]}`, 9000+user, time.Now().UnixMilli()%1000)
	o := outcome{at: time.Now(), userID: user}
	req, _ := http.NewRequest("POST", w.base+"/rt-segment", bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", w.token)
	resp, err := w.client.Do(req)
	o.took = time.Since(o.at)
	if err != nil {
		o.errText = err.Error()
	} else {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		o.status = resp.StatusCode
		if o.status != 200 {
			o.errText = string(raw)
		}
	}
	w.mu.Lock()
	w.outs = append(w.outs, o)
	w.mu.Unlock()
}

// healthySince reports whether every POST of the last d succeeded, and
// at least one was made.
func (w *writer) healthySince(d time.Duration) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for i := len(w.outs) - 1; i >= 0 && time.Since(w.outs[i].at) < d; i-- {
		if w.outs[i].status != 200 {
			return false
		}
		n++
	}
	return n > 0 && len(w.outs) > 0 && time.Since(w.outs[0].at) >= d
}

func (w *writer) finish() []outcome {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]outcome(nil), w.outs...)
}

// errorWindow summarises a run: the time from the first failed POST to
// the first success after the last failed one, and the failures' count.
type errorWindow struct {
	window        time.Duration
	failed, total int
	slowest       time.Duration
	statuses      map[int]int
	firstError    string
}

func measure(outs []outcome) errorWindow {
	ew := errorWindow{total: len(outs), statuses: map[int]int{}}
	first, last := -1, -1
	for i, o := range outs {
		ew.statuses[o.status]++
		ew.slowest = max(ew.slowest, o.took)
		if o.status != 200 {
			if first < 0 {
				first = i
				ew.firstError = o.errText
			}
			last = i
			ew.failed++
		}
	}
	if first >= 0 {
		end := outs[last].at.Add(outs[last].took)
		if last+1 < len(outs) {
			end = outs[last+1].at.Add(outs[last+1].took)
		}
		ew.window = end.Sub(outs[first].at)
	}
	return ew
}

// runFailover drives steady writes through a service over topo, calls
// fail once writes flow, and checks that the service recovers by itself.
func runFailover(t *testing.T, name string, conn config.RedisConn, fail func()) {
	t.Helper()
	cfg := testConfig("")
	cfg.Redis.RedisConn = conn
	in := start(t, cfg)
	token := in.login(DemoUser, DemoPassword)

	w := startWriter(in.base, token)
	waitUntil(t, 10*time.Second, "steady writes",
		func() bool { return w.healthySince(time.Second) })
	began := time.Now()
	fail()
	switched := time.Since(began)
	recovered := waitUntilOK(30*time.Second, func() bool { return w.healthySince(healthyRun) })
	outs := w.finish()
	ew := measure(outs)

	t.Logf("%s: error window %v (%d of %d POSTs failed; answers by status %v);"+
		" topology switched in %v; slowest answer %v",
		name, ew.window.Round(time.Millisecond), ew.failed, ew.total, ew.statuses,
		switched.Round(time.Millisecond), ew.slowest.Round(time.Millisecond))
	if ew.firstError != "" {
		t.Logf("%s: first failure: %.200s", name, ew.firstError)
	}
	if !recovered {
		t.Fatalf("%s: writes did not recover within 30 s of the switch", name)
	}
	for status := range ew.statuses {
		if status != 200 && status != 503 {
			t.Fatalf("%s: a failed write was answered %d, want 503 only", name, status)
		}
	}
	// A dead master must not hold a request past its deadline.
	if limit := cfg.RequestTimeout + 2*time.Second; ew.slowest > limit {
		t.Fatalf("%s: an answer took %v, past the request timeout %v", name, ew.slowest, limit)
	}
	if a := in.do("GET", "/readyz", "", nil); a.status != 200 {
		t.Fatalf("%s: /readyz after recovery: %d %s", name, a.status, a.raw)
	}
}

// TestSentinelFailoverUnderWrites: SENTINEL FAILOVER while a client
// writes steadily; the service follows the new master by itself.
//
//	go test -run 'Test(Sentinel|Cluster)Failover' -v ./internal/app/
func TestSentinelFailoverUnderWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis processes")
	}
	s := testredis.StartSentinel(t, 1, 1)
	conn := config.DefaultRedisConn()
	conn.SentinelMaster, conn.SentinelAddrs = s.MasterName, s.SentinelAddrs
	runFailover(t, "sentinel", conn, func() { s.Failover(t) })
}

// TestClusterFailoverUnderWrites: a Cluster master is killed while a
// client writes steadily; its replica takes over and the service finds
// it by itself.
func TestClusterFailoverUnderWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis processes")
	}
	c := testredis.StartCluster(t, 1)
	conn := config.DefaultRedisConn()
	conn.ClusterAddrs = c.Addrs
	// The master of the first user the writer writes.
	runFailover(t, "cluster", conn, func() { c.KillMasterOf(t, "ia:u{9000}") })
}

// waitUntil polls ok until it holds, and fails the test after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	if !waitUntilOK(limit, ok) {
		t.Fatalf("no %s within %v", what, limit)
	}
}

// waitUntilOK polls ok until it holds or limit passes.
func waitUntilOK(limit time.Duration, ok func() bool) bool {
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		if ok() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ok()
}
