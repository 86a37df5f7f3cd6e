package testredis

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server limits.
const (
	// restartAttempts is how many times Restart tries to bind the old port.
	restartAttempts = 20
	// stopGrace is how long Stop waits after SIGTERM before it kills.
	stopGrace = 10 * time.Second
)

// Server is one redis-server process listening on 127.0.0.1. Stop, Kill and
// Restart may be called from any goroutine, but not at the same time on one
// Server.
type Server struct {
	// Addr is "127.0.0.1:<Port>", ready for a client's Addr option.
	Addr string
	// Port is the TCP port the server listens on; Restart keeps it.
	Port int
	// Dir is the server's working directory, a t.TempDir of its test, which
	// also holds its log (redis.log) and any files it writes.
	Dir string

	owner    testing.TB
	spec     spec
	argv     []string
	logPath  string
	password string
	// admin runs the package's own checks; it never retries, so a poll
	// sees a failure at once and simply polls again.
	admin *redis.Client

	mu     sync.Mutex
	proc   *process
	client *redis.Client
}

// StartSingle starts one server and returns once it answers. Its command line
// is --port, --bind 127.0.0.1, --dir, --save "", --appendonly no and
// --enable-debug-command local, followed by args, which therefore override
// those defaults (e.g. "--appendonly", "yes"). A "--requirepass" among args is used by Client.
func StartSingle(t testing.TB, args ...string) *Server {
	t.Helper()
	extra := append([]string(nil), args...)
	return startServer(t, spec{
		name: "single",
		build: func(dir string, port int) []string {
			return append(dataArgs(dir, port), extra...)
		},
	})
}

// dataArgs returns the command line every data-holding server starts with.
// DEBUG is allowed from loopback, where the fault tests slow a server
// with DEBUG SLEEP.
func dataArgs(dir string, port int) []string {
	return []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--appendonly", "no",
		"--enable-debug-command", "local",
	}
}

// Running reports whether the server's process is running.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && !s.proc.exited()
}

// Stop sends SIGTERM and waits until the server has exited, as a test of
// "Redis is down" needs. A server still running after 10 s is killed.
func (s *Server) Stop() {
	if p := s.takeProc(); p != nil {
		p.stop(stopGrace)
	}
}

// Kill sends SIGKILL and waits until the server has exited.
func (s *Server) Kill() {
	if p := s.takeProc(); p != nil {
		p.kill()
	}
}

// takeProc detaches the current process from the server.
func (s *Server) takeProc() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	s.proc = nil
	return p
}

// Restart starts the server again on the same port with the same command
// line and working directory, stopping it first if it is running, and
// returns once it answers. A cluster node or sentinel resumes from the
// config file it rewrote while it ran.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()

	// The old port is normally free at once; a brief wait covers a
	// short-lived connection that happened to take it as its local port.
	var err error
	for range restartAttempts {
		if err = s.launch(); !errors.Is(err, errPortTaken) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("testredis: restart %s on %s: %v", s.spec.name, s.Addr, err)
	}
}

// Client returns a client for the server with go-redis defaults, for
// assertions in tests. It is the same client on every call and is closed
// when the test that started the server ends.
func (s *Server) Client() *redis.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		s.client = redis.NewClient(s.options(false))
	}
	return s.client
}

// info returns the fields of INFO section, or an error if the server did
// not answer.
func (s *Server) info(section string) (map[string]string, error) {
	raw, err := s.admin.Info(context.Background(), section).Result()
	if err != nil {
		return nil, err
	}
	return infoFields(raw), nil
}

// cleanup kills the server, closes its clients and shows its log if the test
// failed.
func (s *Server) cleanup() {
	s.Kill()

	s.mu.Lock()
	c := s.client
	s.client = nil
	s.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
	if s.admin != nil {
		_ = s.admin.Close()
	}

	if s.owner.Failed() {
		s.owner.Logf("testredis: %s on %s, last lines of %s:\n%s",
			s.spec.name, s.Addr, s.logPath, logTail(s.logPath))
	}
}
