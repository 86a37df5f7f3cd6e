// Command bench measures the service on this machine and prints one
// table: memberships applied per second through the service (one and
// three replicas behind haproxy, real Redis), by the store layer alone
// and by Redis alone (redis-benchmark), the ratios between them, the
// latency of small POSTs and of GET lookups at fixed rates, the
// visibility of a write across replicas and Redis's memory per
// membership. Everything is measured in the same run, on the same Redis.
//
//	go run ./loadtest/bench           # make bench: the full run (about 2 minutes)
//	go run ./loadtest/bench -short    # make bench-smoke: the same, briefly (CI)
//
// It exits 1 when something is wrong rather than slow: an answer that is
// not a 200, a write not visible from another replica, more than 60 bytes
// per membership. With -strict, a missed speed target fails it too.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// plan is the size of each measurement.
type plan struct {
	// throughput is the length of each throughput run; warm of the run
	// before each, which is not counted.
	throughput, warm time.Duration
	// latency is the length of each fixed-rate run.
	latency time.Duration
	// hsetN and evalN are redis-benchmark's request counts.
	hsetN, evalN int
	// memoryUsers are the users (5 memberships each) of the memory run.
	memoryUsers int
	// visibility is the number of writes read back from another replica.
	visibility int
	// lookups is the number of users written for the GET lookups.
	lookups int
}

var (
	fullPlan = plan{throughput: 8 * time.Second, warm: time.Second, latency: 10 * time.Second,
		hsetN: 400_000, evalN: 150_000, memoryUsers: 100_000, visibility: 300, lookups: 5000}
	shortPlan = plan{throughput: 2 * time.Second, warm: 500 * time.Millisecond,
		latency: 2 * time.Second, hsetN: 40_000, evalN: 15_000, memoryUsers: 10_000,
		visibility: 50, lookups: 1000}
)

// options are the command's flags.
type options struct {
	short    bool
	strict   bool
	dir      string
	members  int
	workers  int
	replicas int
	// latencyReplicas serve the fixed-rate runs through haproxy (all
	// when 0).
	latencyReplicas int
	// replicaEnv are extra settings of every replica.
	replicaEnv []string
	// memoryTable adds the table of memory by shape of user.
	memoryTable bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.short, "short", false, "a brief run, as CI's smoke test (under a minute)")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 when a speed target is missed too")
	fs.StringVar(&o.dir, "dir", "", "working directory (default: a temporary one, removed after)")
	fs.IntVar(&o.members, "members", 16, "members the load is spread over")
	fs.IntVar(&o.workers, "workers", 8,
		"1000-user POSTs in flight in the throughput runs (and store calls in the store's run)")
	fs.IntVar(&o.replicas, "replicas", 3, "replicas of the multi-replica runs")
	fs.IntVar(&o.latencyReplicas, "latency-replicas", 0,
		"replicas serving the fixed-rate runs through haproxy (default: all)")
	fs.BoolVar(&o.memoryTable, "memory-table", false, "also measure Redis's memory for users of"+
		" 1 to 50 memberships, expiring or not, and print a table of it (about a minute more)")
	fs.Func("replica-env", "an extra setting of every replica, NAME=value (repeatable)",
		func(v string) error {
			if !strings.Contains(v, "=") {
				return fmt.Errorf("%q: want NAME=value", v)
			}
			o.replicaEnv = append(o.replicaEnv, v)
			return nil
		})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	p := fullPlan
	if o.short {
		p = shortPlan
	}
	b, err := newBench(ctx, o, p, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	defer b.close()

	report, err := b.measure(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	report.print(stdout)
	if problems := report.problems(o.strict); len(problems) > 0 {
		for _, msg := range problems {
			fmt.Fprintln(stderr, "bench:", msg)
		}
		return 1
	}
	return 0
}
