package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/testredis"
)

// backend is a store the behaviour tests run against.
type backend struct {
	name string
	url  func(t *testing.T) string // "" for the embedded store
	// topo, when set, is used instead of url: a Sentinel group or a
	// Cluster, reached as the service reaches them.
	topo func(t *testing.T) config.RedisConn
}

// config returns testConfig over the backend, starting it.
func (b backend) config(t *testing.T) config.Server {
	if b.topo == nil {
		return testConfig(b.url(t))
	}
	cfg := testConfig("")
	cfg.Redis.RedisConn = b.topo(t)
	return cfg
}

// backends returns the embedded store always, and unless the tests run
// with -short a real redis-server, a Sentinel group (master, replica,
// sentinel) and a three-master Cluster.
func backends() []backend {
	b := []backend{{name: "embedded", url: func(*testing.T) string { return "" }}}
	if !testing.Short() {
		b = append(b, backend{name: "redis", url: func(t *testing.T) string {
			testredis.Require(t)
			return "redis://" + testredis.StartSingle(t).Addr
		}}, backend{name: "sentinel", topo: func(t *testing.T) config.RedisConn {
			s := testredis.StartSentinel(t, 1, 1)
			c := config.DefaultRedisConn()
			c.SentinelMaster, c.SentinelAddrs = s.MasterName, s.SentinelAddrs
			return c
		}}, backend{name: "cluster", topo: func(t *testing.T) config.RedisConn {
			c := config.DefaultRedisConn()
			c.ClusterAddrs = testredis.StartCluster(t, 0).Addrs
			return c
		}})
	}
	return b
}

func testConfig(redisURL string) config.Server {
	return config.Server{
		Redis:           config.Redis{URL: redisURL, KeyPrefix: "ia:"},
		Addr:            "127.0.0.1:0",
		EmbeddedAddr:    "127.0.0.1:0",
		Demo:            true,
		MaxExpiration:   259200,
		RegistryTTL:     time.Second,
		RequestTimeout:  3 * time.Second,
		ShutdownTimeout: 5 * time.Second,
		BcryptCost:      4,
		LogLevel:        "debug",
		LogFormat:       "json",
		// The examples post 1000 users right after other posts, sooner
		// than the users bucket (burst 1000) refills, above all on the
		// embedded store, whose clock moves every 100 ms. Limits have
		// tests of their own; members' own limits still apply.
		RateLimits: config.RateLimits{LimitUsersPerSec: 1_000_000},
	}
}

// instance is one service under test, served over real HTTP.
type instance struct {
	t    *testing.T
	svc  *Service
	base string
	logs *lockedWriter
}

func start(t *testing.T, cfg config.Server) *instance {
	t.Helper()
	logs := &lockedWriter{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := Build(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	srv := httptest.NewServer(svc.API.Handler())
	t.Cleanup(func() {
		srv.Close()
		svc.Close()
	})
	return &instance{t: t, svc: svc, base: srv.URL, logs: logs}
}

// answer is a decoded reply.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (a answer) response() map[string]any {
	r, _ := a.body["response"].(map[string]any)
	return r
}

// do sends a request the way curl -d @file does: form content type.
func (in *instance) do(method, path, token string, body []byte, hdr ...string) answer {
	in.t.Helper()
	req, err := http.NewRequest(method, in.base+path, bytes.NewReader(body))
	if err != nil {
		in.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		in.t.Fatalf("%s %s: answer is not JSON (%d): %q", method, path, resp.StatusCode, raw)
	}
	return a
}

func (in *instance) login(user, password string) string {
	in.t.Helper()
	body, _ := json.Marshal(map[string]any{"auth": map[string]string{
		"username": user, "password": password}})
	a := in.do("POST", "/auth", "", body)
	if a.status != 200 {
		in.t.Fatalf("login %s: %d %s", user, a.status, a.raw)
	}
	tok, _ := a.response()["token"].(string)
	if tok == "" {
		in.t.Fatalf("login %s: no token in %s", user, a.raw)
	}
	return tok
}

func (in *instance) post(token, body string) answer {
	in.t.Helper()
	return in.do("POST", "/rt-segment", token, []byte(body))
}

// wantError checks an error answer's status and error_id.
func wantError(t *testing.T, a answer, status int, id string) {
	t.Helper()
	r := a.response()
	if a.status != status || r["status"] != "error" || r["error_id"] != id {
		t.Fatalf("want %d %s, got %d %s", status, id, a.status, a.raw)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error answer has Content-Type %q", ct)
	}
}

// lockedWriter lets the log buffer be read while the server writes.
type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// waitRegistry outlasts the registry cache of testConfig.
func waitRegistry() { time.Sleep(1100 * time.Millisecond) }
