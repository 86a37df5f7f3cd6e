package testredis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// startAttempts is how many fresh ports a start tries before giving up.
const startAttempts = 5

// errPortTaken reports that another process owns the port a server was
// given, which happens when something binds it between our pick and ours.
var errPortTaken = errors.New("port already in use")

// addrInUse is how redis-server's log reports that its port is taken.
const addrInUse = "Address already in use"

// spec describes a server to start.
type spec struct {
	// name tells the server apart in messages, e.g. "replica2".
	name string
	// cluster asks for a port whose cluster bus port is free as well.
	cluster bool
	// build returns the command line for the working directory and port;
	// it runs once per port tried.
	build func(dir string, port int) []string
	// setup, if set, runs after every start once the server answers, for
	// settings that live only in memory.
	setup func(c *redis.Client) error
}

// startServer starts the server sp describes on a free port, trying another
// port when the chosen one is taken before the server binds it. The server
// is killed when t ends, and its log is shown if t failed.
func startServer(t testing.TB, sp spec) *Server {
	t.Helper()
	Require(t)

	s := &Server{owner: t, spec: sp, Dir: t.TempDir()}
	s.logPath = filepath.Join(s.Dir, "redis.log")
	t.Cleanup(s.cleanup)

	pick := freePort
	if sp.cluster {
		pick = freeClusterPort
	}
	for attempt := 1; ; attempt++ {
		port, err := pick()
		if err != nil {
			t.Fatalf("testredis: %s: pick a port: %v", sp.name, err)
		}
		s.Port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.argv = sp.build(s.Dir, port)
		s.password = flagValue(s.argv, "--requirepass")

		err = s.launch()
		if err == nil {
			break
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			t.Fatalf("testredis: start %s on %s: %v", sp.name, s.Addr, err)
		}
	}

	s.admin = redis.NewClient(s.options(true))
	return s
}

// flagValue returns the value following the last occurrence of flag in argv.
func flagValue(argv []string, flag string) string {
	value := ""
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag {
			value = argv[i+1]
		}
	}
	return value
}

// options returns client options for the server. Checks use a client that
// fails fast and keeps the connection handshake to what Redis 7.0 knows.
func (s *Server) options(check bool) *redis.Options {
	opt := &redis.Options{Addr: s.Addr, Password: s.password}
	if check {
		opt.MaxRetries = -1
		opt.DialerRetries = 1
		opt.DialTimeout = time.Second
		opt.ReadTimeout = 2 * time.Second
		opt.WriteTimeout = time.Second
		opt.PoolSize = 2
		opt.DisableIdentity = true
		opt.MaintNotificationsConfig = &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		}
	}
	return opt
}

// launch runs the server's command line, waits until the new process
// answers on its port and applies the spec's setup.
func (s *Server) launch() error {
	logStart := fileSize(s.logPath)
	p, err := launch(s.Dir, s.logPath, s.argv)
	if err != nil {
		return err
	}

	c := redis.NewClient(s.options(true))
	defer c.Close()
	err = s.waitReady(p, c, logStart)
	if err == nil && s.spec.setup != nil {
		if err = s.spec.setup(c); err != nil {
			err = fmt.Errorf("set up: %w", err)
		}
	}
	if err != nil {
		p.kill()
		return err
	}

	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// waitReady polls the server through c until it answers, checking that the
// answer comes from process p and not from another server owning the port.
func (s *Server) waitReady(p *process, c *redis.Client, logStart int64) error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		if p.exited() {
			if strings.Contains(readFrom(s.logPath, logStart), addrInUse) {
				return errPortTaken
			}
			return errors.New("redis-server exited before it was ready")
		}

		// A plain dial first keeps go-redis from logging every refused
		// connection while the server is still starting.
		conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err != nil {
			time.Sleep(pollInterval / 5)
			continue
		}
		conn.Close()

		info, err := c.Info(context.Background(), "server").Result()
		var replyErr redis.Error
		switch {
		case err == nil:
			if infoFields(info)["process_id"] != strconv.Itoa(p.pid()) {
				return errPortTaken
			}
			return nil
		case errors.As(err, &replyErr):
			// An error reply, such as NOAUTH when args set a password in a
			// way not recognised here, proves that a server answers but not
			// which one. A server that lost the port exits at once, so ours
			// answers if it is still running a moment later.
			time.Sleep(pollInterval)
			if p.exited() {
				continue
			}
			return nil
		}
		time.Sleep(pollInterval / 5)
	}
	return fmt.Errorf("no answer within %v", readyTimeout)
}
