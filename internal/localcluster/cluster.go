package localcluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults of Options.
const (
	DefaultReplicas = 3
	DefaultListen   = "127.0.0.1:0"
	DefaultPrefix   = "ia:"
)

// Bounds on the waits of Start: generous for a loaded two-core machine.
const (
	readyTimeout    = 30 * time.Second
	balancerTimeout = 20 * time.Second
	startAttempts   = 3
	pollInterval    = 50 * time.Millisecond
)

// stateFile is where a detached cluster is described for Load.
const stateFile = "state.json"

// Options say what cluster to start. Zero fields take the defaults.
type Options struct {
	// Bin is the directory holding audience-api and audiencectl (Build).
	Bin string
	// Dir is the cluster's working directory: logs, Redis's data, the
	// balancer's configuration and, detached, the state file.
	Dir string
	// Replicas is the number of audience-api processes (3).
	Replicas int
	// Listen is the balancer's address ("127.0.0.1:0", a free port).
	Listen string
	// KeyPrefix is the replicas' AUDIENCE_KEY_PREFIX ("ia:").
	KeyPrefix string
	// Env are extra settings of every replica, as "AUDIENCE_X=value".
	Env []string
	// RedisEnv, when set, are the AUDIENCE_REDIS_* settings of a store
	// the caller runs, such as a Sentinel group: the cluster then starts
	// no redis-server of its own. RedisURL must be set with it.
	RedisEnv []string
	// RedisURL is a redis:// URL of that store's master at start, for
	// OpenStore and Ctl.
	RedisURL string
	// Detach lets the processes outlive the caller, for make cluster-up;
	// otherwise they die with it.
	Detach bool
}

// Cluster is a running local cluster.
type Cluster struct {
	// URL is the balancer's base URL: the one port clients use.
	URL string `json:"url"`
	// RedisURL is the store's redis:// URL, for audiencectl and tests.
	RedisURL string `json:"redis_url"`
	// KeyPrefix is the replicas' key prefix.
	KeyPrefix string `json:"key_prefix"`
	// Replicas are the replicas' own base URLs, replica1 first.
	Replicas []string `json:"replicas"`
	// Dir and Bin are the Options' directories.
	Dir string `json:"dir"`
	Bin string `json:"bin"`
	// Procs are haproxy, the replicas and redis-server.
	Procs []*proc `json:"procs"`

	redis  *proc
	detach bool
}

// Start starts redis-server, the replicas and haproxy, and returns once
// the balancer has answered from every replica. On failure it stops what
// it started and returns the error with the logs' last lines.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	tools, err := FindTools()
	if err != nil {
		return nil, err
	}
	if opts.Replicas <= 0 {
		opts.Replicas = DefaultReplicas
	}
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultPrefix
	}
	for _, d := range []string{"logs", "redis"} {
		if err := os.MkdirAll(filepath.Join(opts.Dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	c := &Cluster{Dir: opts.Dir, Bin: opts.Bin, KeyPrefix: opts.KeyPrefix, detach: opts.Detach}

	err = c.start(ctx, tools, opts)
	if err != nil {
		logs := c.LogTails(20)
		_ = c.Stop()
		return nil, fmt.Errorf("%w\n%s", err, logs)
	}
	if opts.Detach {
		return c, c.save()
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, tools Tools, opts Options) error {
	if opts.RedisURL != "" {
		c.RedisURL = opts.RedisURL
	} else if err := c.startRedis(ctx, tools.Redis); err != nil {
		return err
	}
	for i := range opts.Replicas {
		if err := c.startReplica(ctx, i, opts); err != nil {
			return err
		}
	}

	lb, err := c.startBalancer(ctx, tools.HAProxy, opts.Listen)
	if err != nil {
		return err
	}
	c.URL = "http://" + lb
	return waitBalancer(ctx, c.URL, len(c.Replicas))
}

// startRedis runs redis-server on a free port. It saves a snapshot when it
// is stopped (and loads it when started again), so that a test can stop
// the store and bring it back with its members and sessions.
func (c *Cluster) startRedis(ctx context.Context, bin string) error {
	var last error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return err
		}
		dir := filepath.Join(c.Dir, "redis")
		p, err := newProc("redis", bin, []string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--save", "3600 1", "--appendonly", "no", "--daemonize", "no",
			// The fault tests slow the store down with DEBUG SLEEP.
			"--enable-debug-command", "local",
		}, os.Environ(), dir, filepath.Join(c.Dir, "logs", "redis.log"))
		if err != nil {
			return err
		}
		if last = c.run(ctx, p, "127.0.0.1:"+strconv.Itoa(port), waitTCP); last == nil {
			c.redis = p
			c.RedisURL = fmt.Sprintf("redis://127.0.0.1:%d/0", port)
			return nil
		}
	}
	return last
}

// errNoRedis is the error of StopRedis and StartRedis on a cluster that
// runs on a store of the caller's.
var errNoRedis = errors.New("the cluster runs on a store it did not start")

// StopRedis stops the store (SIGTERM: it saves its snapshot first).
func (c *Cluster) StopRedis() error {
	if c.redis == nil {
		return errNoRedis
	}
	return c.redis.stop()
}

// StartRedis starts the store again on its port, from its snapshot.
func (c *Cluster) StartRedis(ctx context.Context) error {
	if c.redis == nil {
		return errNoRedis
	}
	return c.run(ctx, c.redis, strings.TrimPrefix(strings.TrimSuffix(c.RedisURL, "/0"), "redis://"),
		waitTCP)
}

func (c *Cluster) startReplica(ctx context.Context, i int, opts Options) error {
	var last error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		store := opts.RedisEnv
		if len(store) == 0 {
			store = []string{"AUDIENCE_REDIS_URL=" + c.RedisURL}
		}
		env := append(withoutAudience(os.Environ()), store...)
		env = append(env,
			"AUDIENCE_ADDR="+addr,
			"AUDIENCE_KEY_PREFIX="+c.KeyPrefix,
			"AUDIENCE_DEMO=true",
			"AUDIENCE_LOG_FORMAT=json",
			"AUDIENCE_TRUSTED_PROXIES=127.0.0.1",
		)
		env = append(env, opts.Env...)
		name := replicaName(i)
		p, err := newProc(name, filepath.Join(c.Bin, "audience-api"), nil, env, c.Dir,
			filepath.Join(c.Dir, "logs", name+".log"))
		if err != nil {
			return err
		}
		if last = c.run(ctx, p, addr, waitReady); last == nil {
			c.Replicas = append(c.Replicas, "http://"+addr)
			return nil
		}
	}
	return last
}

func (c *Cluster) startBalancer(ctx context.Context, bin, listen string) (string, error) {
	if strings.HasSuffix(listen, ":0") {
		port, err := freePort()
		if err != nil {
			return "", err
		}
		listen = strings.TrimSuffix(listen, ":0") + ":" + strconv.Itoa(port)
	}
	backends := make([]string, len(c.Replicas))
	for i, r := range c.Replicas {
		backends[i] = strings.TrimPrefix(r, "http://")
	}
	cfg, err := haproxyConfig(c.Dir, listen, backends)
	if err != nil {
		return "", err
	}
	p, err := newProc("haproxy", bin, []string{"-db", "-f", cfg}, os.Environ(), c.Dir,
		filepath.Join(c.Dir, "logs", "haproxy.log"))
	if err != nil {
		return "", err
	}
	return listen, c.run(ctx, p, listen, waitTCP)
}

// run starts p and waits until it serves on addr, or fails if it exits
// first. The process is kept in Procs either way, so Stop finds it.
func (c *Cluster) run(ctx context.Context, p *proc, addr string,
	wait func(ctx context.Context, addr string) error) error {
	if err := p.start(c.detach); err != nil {
		return err
	}
	if !containsProc(c.Procs, p) {
		c.Procs = append(c.Procs, p)
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		if p.exited() {
			return fmt.Errorf("%s exited before it served on %s (see %s)", p.Name, addr, p.log)
		}
		err := wait(ctx, addr)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			_ = p.stop()
			return fmt.Errorf("%s did not serve on %s within %v: %w",
				p.Name, addr, readyTimeout, err)
		case <-time.After(pollInterval):
		}
	}
}

func containsProc(ps []*proc, p *proc) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// Stop stops every process, balancer first and store last, the order in
// which requests drain. It returns the first failure.
func (c *Cluster) Stop() error {
	var errs []error
	for i := len(c.Procs) - 1; i >= 0; i-- {
		errs = append(errs, c.Procs[i].stop())
	}
	if c.detach || fileExists(filepath.Join(c.Dir, stateFile)) {
		if err := os.Remove(filepath.Join(c.Dir, stateFile)); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// save writes the state file of a detached cluster.
func (c *Cluster) save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.Dir, stateFile), b, 0o644)
}

// Load reads the state of the detached cluster in dir; os.ErrNotExist
// when none was started there.
func Load(dir string) (*Cluster, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	c := &Cluster{detach: true}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("%s: %w", stateFile, err)
	}
	for _, p := range c.Procs {
		if p.Name == "redis" {
			c.redis = p
		}
	}
	return c, nil
}

// Running lists the processes that are still running.
func (c *Cluster) Running() []string {
	var names []string
	for _, p := range c.Procs {
		if !p.exited() {
			names = append(names, fmt.Sprintf("%s (pid %d)", p.Name, p.PID))
		}
	}
	return names
}

// Ctl runs audiencectl against the cluster's store and returns its
// output.
func (c *Cluster) Ctl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.Bin, "audiencectl"), args...)
	cmd.Env = append(withoutAudience(os.Environ()),
		"AUDIENCE_REDIS_URL="+c.RedisURL, "AUDIENCE_KEY_PREFIX="+c.KeyPrefix)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("audiencectl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// LogTails returns the last n lines of every process's log.
func (c *Cluster) LogTails(n int) string {
	var b strings.Builder
	for _, p := range c.Procs {
		data, _ := os.ReadFile(p.log)
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&b, "--- %s (%s)\n%s\n", p.Name, p.log, strings.Join(lines, "\n"))
	}
	return b.String()
}

// withoutAudience drops AUDIENCE_* settings inherited from the caller, so
// that a replica runs with the cluster's settings only.
func withoutAudience(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AUDIENCE_") {
			out = append(out, kv)
		}
	}
	return out
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// freePort returns a loopback port that was free a moment ago; a clash
// with another process is caught by the start and retried.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
