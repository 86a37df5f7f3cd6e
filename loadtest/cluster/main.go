// Command cluster runs a local multi-replica deployment: redis-server,
// audience-api replicas built from this tree, and haproxy in front.
//
//	go run ./loadtest/cluster up      # make cluster-up
//	go run ./loadtest/cluster check   # make cluster-check: the rate-limit accuracy run
//	go run ./loadtest/cluster status
//	go run ./loadtest/cluster down    # make cluster-down
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/instant-audience/audience/internal/localcluster"
)

const usage = `usage: cluster <up|down|status|check> [flags]

  up      build audience-api from this tree and start redis-server, the
          replicas and haproxy in the background; print where they listen
  down    stop everything "up" started
  status  say what is running
  check   offer three times each rate limit to the running cluster for
          -duration and print accepted against expected calls; exit 1 if
          one is more than 3% off or a quiet member was slowed
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("cluster "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", filepath.Join("bin", "cluster"), "working directory of the cluster")
	listen := fs.String("listen", "127.0.0.1:8088", "balancer address (up)")
	replicas := fs.Int("replicas", localcluster.DefaultReplicas, "number of replicas (up)")
	duration := fs.Duration("duration", 10*time.Second, "length of each offered load (check)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch args[0] {
	case "up":
		err = up(ctx, stdout, *dir, *listen, *replicas)
	case "down":
		err = down(stdout, *dir)
	case "status":
		err = status(stdout, *dir)
	case "check":
		err = check(ctx, stdout, *dir, *duration)
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "cluster "+args[0]+":", err)
		return 1
	}
	return 0
}

func up(ctx context.Context, out io.Writer, dir, listen string, replicas int) error {
	if c, err := localcluster.Load(dir); err == nil && len(c.Running()) > 0 {
		fmt.Fprintf(out, "Already running: %s\nAPI (balancer): %s\n"+
			"Stop it with: make cluster-down\n", strings.Join(c.Running(), ", "), c.URL)
		return nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	root, err := localcluster.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	bin := filepath.Join(dir, "bin")
	fmt.Fprintln(out, "Building audience-api and audiencectl from", root)
	if err := localcluster.Build(ctx, root, bin); err != nil {
		return err
	}
	c, err := localcluster.Start(ctx, localcluster.Options{
		Bin: bin, Dir: dir, Replicas: replicas, Listen: listen, Detach: true,
	})
	if err != nil {
		return err
	}

	fmt.Fprintf(out, `Local cluster up: %d audience-api replicas behind haproxy, one redis-server.
  API (balancer): %s   <- send clients here
  replicas:       %s
  Redis:          %s
  logs:           %s
Try it (demo user, member 1001):
  curl -s -d '{"auth":{"username":"demo","password":"demo"}}' %s/auth
Operate it:
  AUDIENCE_REDIS_URL=%s %s member show -id 1001
Check the rate limits across the replicas: make cluster-check
Stop it with: make cluster-down
`, len(c.Replicas), c.URL, strings.Join(c.Replicas, " "), c.RedisURL,
		filepath.Join(dir, "logs"), c.URL, c.RedisURL, filepath.Join(bin, "audiencectl"))
	return nil
}

func down(out io.Writer, dir string) error {
	c, err := localcluster.Load(dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(out, "No local cluster is running from", dir)
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.Stop(); err != nil {
		return err
	}
	fmt.Fprintln(out, "Local cluster stopped.")
	return nil
}

func status(out io.Writer, dir string) error {
	c, err := localcluster.Load(dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(out, "No local cluster is running from", dir)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "API (balancer): %s\nrunning: %s\n", c.URL, strings.Join(c.Running(), ", "))
	return nil
}

func check(ctx context.Context, out io.Writer, dir string, d time.Duration) error {
	c, err := localcluster.Load(dir)
	if err != nil {
		return fmt.Errorf("no running cluster in %s (make cluster-up first): %w", dir, err)
	}
	st, err := c.OpenStore()
	if err != nil {
		return err
	}
	defer st.Close()

	fmt.Fprintf(out, "Offering 3x each limit through %s for %v...\n", c.URL, d)
	results, err := localcluster.Accuracy(ctx, st, c.URL, localcluster.AccuracyConfig{Duration: d})
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range results {
		fmt.Fprintln(out, r)
		errs = append(errs, r.Err(len(c.Replicas)))
	}
	return errors.Join(errs...)
}
