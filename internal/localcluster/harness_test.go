package localcluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/localcluster"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// The tests share one build of the binaries and one cluster; the test that
// stops Redis starts a cluster of its own.
var shared struct {
	mu      sync.Mutex
	tmp     string
	bin     string
	cluster *localcluster.Cluster
	err     error
	stops   []*localcluster.Cluster
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	for _, c := range shared.stops {
		_ = c.Stop()
	}
	if shared.tmp != "" {
		os.RemoveAll(shared.tmp)
	}
	os.Exit(code)
}

// requireTools skips the test without redis-server or haproxy, or fails it
// when AUDIENCE_REQUIRE_REDIS=1 says CI must run it.
func requireTools(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a cluster of processes")
	}
	if _, err := localcluster.FindTools(); err != nil {
		if os.Getenv(testredis.RequireEnv) == "1" {
			t.Fatalf("%v (%s=1)", err, testredis.RequireEnv)
		}
		t.Skip(err)
	}
}

// binaries builds audience-api and audiencectl once per test run.
func binaries(t *testing.T) string {
	t.Helper()
	requireTools(t)
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
	shared.tmp, shared.err = os.MkdirTemp("", "localcluster-")
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

// startCluster starts a cluster of three replicas in dir, stopped when the
// test binary ends.
func startCluster(t *testing.T, dir string) *localcluster.Cluster {
	t.Helper()
	bin := binaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, localcluster.Options{Bin: bin, Dir: dir,
		// A low cost keeps the replicas' demo provisioning quick.
		Env: []string{"AUDIENCE_BCRYPT_COST=4"}})
	if err != nil {
		t.Fatal(err)
	}
	shared.mu.Lock()
	shared.stops = append(shared.stops, c)
	shared.mu.Unlock()
	return c
}

// sharedCluster returns the cluster the tests share.
func sharedCluster(t *testing.T) *localcluster.Cluster {
	t.Helper()
	binaries(t)
	shared.mu.Lock()
	c := shared.cluster
	shared.mu.Unlock()
	if c != nil {
		return c
	}
	c = startCluster(t, filepath.Join(shared.tmp, "shared"))
	shared.mu.Lock()
	shared.cluster = c
	shared.mu.Unlock()
	return c
}

// account makes a fresh member with limits, logged in through the
// balancer.
func account(t *testing.T, c *localcluster.Cluster, lim store.Limits) localcluster.Account {
	t.Helper()
	st, err := c.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	a, err := localcluster.NewAccount(ctx, st, lim)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Login(ctx, http.DefaultClient, c.URL); err != nil {
		t.Fatal(err)
	}
	return a
}

// answer is a decoded reply.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (a answer) response() map[string]any {
	r, _ := a.body["response"].(map[string]any)
	return r
}

func call(t *testing.T, a localcluster.Account, method, url string, body []byte) answer {
	t.Helper()
	req, err := a.Request(context.Background(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("%s %s: not JSON (%d): %s", method, url, resp.StatusCode, raw)
	}
	return out
}

// sentence is the contract's 429 text.
func sentence(n int64, unit, to string) string {
	return fmt.Sprintf("Rate limit exceeded. You have exceeded your request limit of %d %s"+
		" per 1 seconds to %s, please wait and try again or contact your account manager"+
		" for higher limits", n, unit, to)
}

// within polls check every 100 ms until it passes or timeout ends, and
// returns how long that took.
func within(timeout time.Duration, check func() error) (time.Duration, error) {
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), errors.Join(fmt.Errorf("not within %v", timeout), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
