package testredis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// sharedAddr is the machine's own server, which no test may touch.
const sharedAddr = "127.0.0.1:6379"

// recordingTB records how Require ended a test instead of ending it.
type recordingTB struct {
	testing.TB
	calls []string
}

func (r *recordingTB) Helper()                        {}
func (r *recordingTB) Fatalf(format string, a ...any) { r.calls = append(r.calls, "fatal") }
func (r *recordingTB) Skipf(format string, a ...any)  { r.calls = append(r.calls, "skip") }

func TestRequireWithoutRedis(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if Available() {
		t.Fatal("Available() = true with an empty PATH")
	}

	tests := []struct {
		name string
		env  string
		want string
	}{
		{name: "skips by default", env: "", want: "skip"},
		{name: "fails when required", env: "1", want: "fatal"},
		{name: "skips for other values", env: "true", want: "skip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(RequireEnv, tt.env)
			rec := &recordingTB{TB: t}
			Require(rec)
			if len(rec.calls) == 0 || rec.calls[0] != tt.want {
				t.Fatalf("Require ended the test with %v, want %s first",
					rec.calls, tt.want)
			}
		})
	}
}

func TestSingle(t *testing.T) {
	Require(t)
	t.Parallel()
	ctx := context.Background()

	s := StartSingle(t)
	if s.Addr == sharedAddr {
		t.Fatalf("started on the shared server's address %s", s.Addr)
	}
	c := s.Client()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET = %q, %v; want v", got, err)
	}
	cfg, err := c.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatalf("CONFIG GET: %v", err)
	}
	if cfg["save"] != "" || cfg["appendonly"] != "no" || cfg["bind"] != "127.0.0.1" {
		t.Fatalf("save=%q appendonly=%q bind=%q; want \"\", no, 127.0.0.1",
			cfg["save"], cfg["appendonly"], cfg["bind"])
	}

	port := s.Port
	s.Stop()
	if s.Running() {
		t.Fatal("Running() = true after Stop")
	}
	once := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialerRetries: 1})
	defer once.Close()
	if err := once.Ping(ctx).Err(); err == nil {
		t.Fatal("PING succeeded while the server was stopped")
	}

	s.Restart(t)
	if s.Port != port {
		t.Fatalf("Restart moved the server from port %d to %d", port, s.Port)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
	// Nothing is saved, so a restart starts empty.
	if err := c.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after Restart: %v, want redis.Nil", err)
	}

	s.Kill()
	s.Restart(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Kill and Restart: %v", err)
	}
}

func TestSingleArgs(t *testing.T) {
	Require(t)
	t.Parallel()
	ctx := context.Background()

	s := StartSingle(t, "--requirepass", "secret", "--appendonly", "yes")
	if err := s.Client().Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET with the password from args: %v", err)
	}
	if got := s.Client().ConfigGet(ctx, "appendonly").Val()["appendonly"]; got != "yes" {
		t.Fatalf("appendonly = %q, want yes from args", got)
	}

	anon := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer anon.Close()
	if err := anon.Get(ctx, "k").Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("GET without password: %v, want NOAUTH", err)
	}
}

func TestLaunchReportsTakenPort(t *testing.T) {
	Require(t)
	t.Parallel()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	dir := t.TempDir()
	s := &Server{
		Addr:    l.Addr().String(),
		Port:    port,
		Dir:     dir,
		spec:    spec{name: "clash"},
		argv:    dataArgs(dir, port),
		logPath: filepath.Join(dir, "redis.log"),
	}
	if err := s.launch(); !errors.Is(err, errPortTaken) {
		t.Fatalf("launch on a taken port: %v, want errPortTaken", err)
	}
	if s.Running() {
		t.Fatal("Running() = true after a failed launch")
	}
}

func TestSentinel(t *testing.T) {
	Require(t)
	t.Parallel()
	ctx := context.Background()

	s := StartSentinel(t, 2, 3)
	if len(s.Replicas) != 2 || len(s.Sentinels) != 3 || len(s.SentinelAddrs) != 3 {
		t.Fatalf("got %d replicas, %d sentinels, %d addrs; want 2, 3, 3",
			len(s.Replicas), len(s.Sentinels), len(s.SentinelAddrs))
	}
	c := s.Client()
	if err := c.Set(ctx, "before", "1", 0).Err(); err != nil {
		t.Fatalf("SET before failover: %v", err)
	}
	if n, err := c.Wait(ctx, 2, 5*time.Second).Result(); err != nil || n != 2 {
		t.Fatalf("WAIT = %d, %v; want both replicas to acknowledge", n, err)
	}

	old := s.Master.Addr
	newMaster := s.Failover(t)
	if newMaster == old || s.Master.Addr != newMaster || len(s.Replicas) != 2 {
		t.Fatalf("Failover: old %s, new %s, Master %s, %d replicas",
			old, newMaster, s.Master.Addr, len(s.Replicas))
	}

	// The client learns of the switch asynchronously: retry until a write
	// through it lands on the new master.
	waitUntil(t, 10*time.Second, "a write through the failover client to reach the new master",
		func() error {
			if err := c.Set(ctx, "after", "2", 0).Err(); err != nil {
				return err
			}
			got, err := s.Master.Client().Get(ctx, "after").Result()
			if err != nil {
				return fmt.Errorf("GET on new master: %w", err)
			}
			if got != "2" {
				return fmt.Errorf("new master has %q", got)
			}
			return nil
		})
	if got, err := c.Get(ctx, "before").Result(); err != nil || got != "1" {
		t.Fatalf("GET before = %q, %v; want the value written before failover", got, err)
	}
}

func TestCluster(t *testing.T) {
	Require(t)
	t.Parallel()
	ctx := context.Background()

	c := StartCluster(t, 1)
	if len(c.Nodes) != 6 || len(c.Addrs) != 6 {
		t.Fatalf("got %d nodes, %d addrs; want 6", len(c.Nodes), len(c.Addrs))
	}
	cc := c.Client()
	const keys = 100
	writeAll := func() error {
		for i := range keys {
			if err := cc.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := writeAll(); err != nil {
		t.Fatalf("write keys: %v", err)
	}

	// Keys spread over the slots of all three masters.
	var masters atomic.Int32
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("master %s holds no key", m.Options().Addr)
		}
		masters.Add(1)
		return nil
	})
	if err != nil || masters.Load() != 3 {
		t.Fatalf("keys on %d masters: %v", masters.Load(), err)
	}

	killed := c.KillMasterOf(t, "key:0")
	if killed.Running() {
		t.Fatalf("KillMasterOf returned %s, which still runs", killed.Addr)
	}
	waitUntil(t, 10*time.Second, "writes to succeed after the failover", writeAll)

	// Restarted from its own nodes.conf, the old master rejoins as a replica.
	killed.Restart(t)
	waitUntil(t, 10*time.Second, "the old master to rejoin as a replica", func() error {
		info, err := killed.Client().Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "role:slave") ||
			!strings.Contains(info, "master_link_status:up") {
			return errors.New("not a synced replica yet")
		}
		return nil
	})
}

// waitUntil retries f until it returns nil and fails the test after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
