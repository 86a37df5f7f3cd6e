package faults_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/ackcheck"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
	"github.com/instant-audience/audience/internal/localcluster"
	"github.com/instant-audience/audience/internal/testredis"
)

// EnableEnv must be 1 for the tests to run: they take minutes, and run
// in `make test-faults` rather than in every `go test ./...`.
const EnableEnv = "AUDIENCE_FAULTS"

// Settings of every replica in these tests. The request and read timeouts
// are short so that a store that hangs, or a client that sends slowly,
// costs seconds, not tens of seconds; the
// drain delay outlasts the balancer's health checks (a replica is taken
// out after two failed checks half a second apart); debug logs every
// request, so that the search for secrets in the logs reads them all.
var replicaEnv = []string{
	"AUDIENCE_BCRYPT_COST=4",
	"AUDIENCE_REQUEST_TIMEOUT=2s",
	"AUDIENCE_READ_TIMEOUT=5s",
	"AUDIENCE_DRAIN_DELAY=1500ms",
	"AUDIENCE_LOG_LEVEL=debug",
}

// requestTimeout is AUDIENCE_REQUEST_TIMEOUT of replicaEnv.
const requestTimeout = 2 * time.Second

var shared struct {
	mu      sync.Mutex
	tmp     string
	bin     string
	err     error
	main    *localcluster.Cluster
	stops   []*localcluster.Cluster
	logDirs []string
	// secrets are every password and token the tests handed out: none
	// may show in any log of any process.
	secrets []string
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	for _, c := range shared.stops {
		_ = c.Stop()
	}
	if code == 0 {
		code = scanLogs(os.Stderr)
	}
	if shared.tmp != "" {
		os.RemoveAll(shared.tmp)
	}
	os.Exit(code)
}

// scanLogs reads every log of every process the tests started and
// reports each line that holds a secret. It returns the exit code.
func scanLogs(w io.Writer) int {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	lines, found := 0, 0
	for _, dir := range shared.logDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		for _, f := range files {
			n, hits := scanFile(f, shared.secrets)
			lines += n
			for _, h := range hits {
				found++
				fmt.Fprintf(w, "faults: a secret in %s: %.300s\n", f, h)
			}
		}
	}
	if lines > 0 {
		fmt.Fprintf(w, "faults: %d log lines of %d directories searched for %d secrets:"+
			" %d found\n", lines, len(shared.logDirs), len(shared.secrets), found)
	}
	if found > 0 {
		return 1
	}
	return 0
}

func scanFile(path string, secrets []string) (int, []string) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	n := 0
	var hits []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		n++
		for _, s := range secrets {
			if s != "" && bytes.Contains(sc.Bytes(), []byte(s)) {
				hits = append(hits, sc.Text())
			}
		}
	}
	return n, hits
}

// remember adds secrets to those the logs must not hold.
func remember(secrets ...string) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.secrets = append(shared.secrets, secrets...)
}

// requireFaults skips the test unless the fault tests were asked for,
// and fails it when they were but redis-server or haproxy is missing.
func requireFaults(t *testing.T) {
	t.Helper()
	if testing.Short() || os.Getenv(EnableEnv) != "1" {
		t.Skipf("fault tests run with %s=1 (make test-faults)", EnableEnv)
	}
	if _, err := localcluster.FindTools(); err != nil {
		t.Fatalf("%v (%s=1)", err, EnableEnv)
	}
	testredis.Require(t)
}

// binaries builds audience-api and audiencectl once per test run.
func binaries(t *testing.T) string {
	t.Helper()
	requireFaults(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.bin != "" || shared.err != nil {
		if shared.err != nil {
			t.Fatal(shared.err)
		}
		return shared.bin
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	shared.tmp, shared.err = os.MkdirTemp("", "faults-")
	if shared.err == nil {
		var bin string
		if bin, shared.err = localcluster.BuildTree(ctx, shared.tmp); shared.err == nil {
			shared.bin = bin
		}
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.bin
}

// startCluster starts three replicas behind haproxy in a directory of
// its own. A cluster on the caller's store (opts.RedisURL) stops when the
// test ends, since its store does; one on its own redis-server stops
// when the test binary ends.
func startCluster(t *testing.T, name string, opts localcluster.Options) *localcluster.Cluster {
	t.Helper()
	opts.Bin = binaries(t)
	opts.Dir = filepath.Join(shared.tmp, name)
	opts.Env = append(append([]string(nil), replicaEnv...), opts.Env...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	shared.mu.Lock()
	shared.logDirs = append(shared.logDirs, filepath.Join(opts.Dir, "logs"))
	shared.mu.Unlock()
	if opts.RedisURL != "" {
		t.Cleanup(func() { _ = c.Stop() })
	} else {
		shared.mu.Lock()
		shared.stops = append(shared.stops, c)
		shared.mu.Unlock()
	}
	return c
}

// mainCluster returns the cluster on its own redis-server that the
// tests share; each test leaves it whole (every replica and the store
// up) for the next.
func mainCluster(t *testing.T) *localcluster.Cluster {
	t.Helper()
	binaries(t)
	shared.mu.Lock()
	c := shared.main
	shared.mu.Unlock()
	if c != nil {
		return c
	}
	c = startCluster(t, "main", localcluster.Options{})
	shared.mu.Lock()
	shared.main = c
	shared.mu.Unlock()
	return c
}

// clientAddrs hands out client addresses (TEST-NET-2, 198.51.100.0/24
// and up) for X-Forwarded-For: the replicas trust the balancer, so each
// test's logins count against an address of their own, not against
// 127.0.0.1's bound of 100 attempts per 5 minutes.
var clientAddrs atomic.Int64

func nextClientAddr() string {
	n := clientAddrs.Add(1)
	return fmt.Sprintf("198.51.%d.%d", 100+n/250, 1+n%250)
}

// newAccount provisions a member with three segments and limits out of
// the way, and logs its user in through the balancer.
func newAccount(t *testing.T, c *localcluster.Cluster) scenario.Account {
	t.Helper()
	st, err := c.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	accounts, err := scenario.Provision(ctx, st, scenario.Spec{Members: 1, Segments: 3,
		Limits: scenario.Unlimited})
	if err != nil {
		t.Fatal(err)
	}
	a := accounts[0]
	remember(a.Password)
	a.Token = login(t, c.URL, a.User, a.Password, nextClientAddr())
	if a.Token == "" {
		t.Fatalf("login of %s failed", a.User)
	}
	return a
}

// login posts to /auth from the client address xff and returns the
// token, or "" with the status in t's log when there is none.
func login(t *testing.T, base, user, password, xff string) string {
	t.Helper()
	status, tok, _ := tryLogin(base, user, password, xff)
	if status != http.StatusOK {
		t.Logf("login %s: %d", user, status)
	}
	return tok
}

// tryLogin posts to /auth and returns the status, the token and the
// Retry-After header.
func tryLogin(base, user, password, xff string) (int, string, string) {
	body, _ := json.Marshal(map[string]any{"auth": map[string]string{
		"username": user, "password": password}})
	req, _ := http.NewRequest(http.MethodPost, base+"/auth", bytes.NewReader(body))
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", ""
	}
	defer resp.Body.Close()
	var out struct {
		Response struct {
			Token string `json:"token"`
		} `json:"response"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	remember(out.Response.Token)
	return resp.StatusCode, out.Response.Token, resp.Header.Get("Retry-After")
}

// startLoad starts an acknowledgement run of POSTs through the balancer.
func startLoad(t *testing.T, c *localcluster.Cluster, a scenario.Account, rate float64,
	d time.Duration) *ackcheck.Running {
	t.Helper()
	r, err := ackcheck.Config{Base: c.URL, Account: a, Rate: rate, Duration: d}.Start(
		context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// verify reads back every membership of run through the balancer and
// each replica directly, and fails the test if an acknowledged one is
// missing or could not be read.
func verify(t *testing.T, c *localcluster.Cluster, run *ackcheck.Run) ackcheck.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := run.Verify(ctx, nil, append([]string{c.URL}, c.Replicas...))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checker: %s", rep)
	if rep.Unreadable > 0 {
		t.Errorf("%d users could not be read back", rep.Unreadable)
	}
	return rep
}

// wantNoLoss fails the test if an acknowledged membership was lost.
func wantNoLoss(t *testing.T, rep ackcheck.Report) {
	t.Helper()
	if rep.Lost > 0 {
		t.Errorf("%d acknowledged memberships lost, e.g. %v", rep.Lost, rep.LostSample)
	}
}

// gauges reads unlabelled samples from a replica's /metrics.
func gauges(base string, names ...string) (map[string]float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		for _, n := range names {
			if name == n {
				out[n], _ = strconv.ParseFloat(value, 64)
			}
		}
	}
	return out, sc.Err()
}

// waitFor polls ok every 100 ms until it holds or limit passes, and
// returns how long it took.
func waitFor(limit time.Duration, ok func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if ok() {
			return time.Since(start), true
		}
		if time.Since(start) > limit {
			return time.Since(start), false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sleepUntil sleeps until t.
func sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }
