// Command load runs the load scenarios of the k6 scripts under
// loadtest/k6 with the Go load generator of internal/loadgen, for
// machines where k6 cannot be installed. The scenarios, their settings
// and their thresholds are the scripts': an open model (constant arrival
// rate), many members, each account logged in once.
//
//	go run ./loadtest/load provision -members 16 -out accounts.json   # AUDIENCE_REDIS_URL=...
//	go run ./loadtest/load small-post -accounts accounts.json -rate 500 -duration 1m
//	go run ./loadtest/load full-post | get | mixed | limits | soak ...
//
// Every flag of a scenario can also be given as an environment variable,
// the same the k6 scripts read: -rate is LOAD_RATE, -base-url
// LOAD_BASE_URL, and so on. The password of -username comes from
// LOAD_PASSWORD only, never from the command line.
//
// It prints throughput, p50/p90/p99/max latency and the answers by
// status, and exits 1 when a threshold is crossed (the share of failed
// requests, the p99, for limits the calls accepted).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: load <command> [flags]   (load <command> -h lists the flags)

  provision   create members, segments and API users in the store (its
              settings as audiencectl reads them: -redis-url or
              AUDIENCE_REDIS_URL, ...) and write them to an accounts file
  small-post  POSTs of one user into one to five segments (500/s, 1m)
  full-post   POSTs of 1000 users of 5 segments (2/s, 1m)
  get         GET lookups of users written first (2000/s, 1m)
  mixed       1 full POST, 9 small POSTs, 90 lookups in every 100 (200/s, 5m)
  limits      offer 3x one member's POST and GET limits; check what is accepted
  soak        the mixed profile for long (100/s, 30m), a line every minute
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch name := args[0]; name {
	case "provision":
		err = provision(ctx, args[1:], stdout, stderr)
	case "small-post", "full-post", "get", "mixed", "limits", "soak":
		err = scenarioCommand(ctx, name, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case err == errUsage:
		return 2
	}
	fmt.Fprintln(stderr, "load:", err)
	return 1
}
