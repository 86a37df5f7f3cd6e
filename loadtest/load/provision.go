package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
	"github.com/instant-audience/audience/internal/store"
)

// errUsage is returned when the flags were wrong; the flag package has
// said why.
var errUsage = errors.New("usage")

// provision creates accounts in the store and writes the accounts file.
func provision(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var r config.Redis
	config.RegisterRedis(fs, &r)
	members := fs.Int("members", 16, "members to create, one API user each")
	segments := fs.Int("segments", 5, "active segments of each member")
	limits := fs.String("limits", "unlimited", "the members' rate limits: unlimited (for capacity"+
		" tests), service (the service's own) or POST,GET,USERS per second (such as 20,50,100,"+
		" for probing the limits on a small machine)")
	out := fs.String("out", "accounts.json", "accounts file to write (mode 0600: it holds passwords)")
	if err := config.Parse(fs, args); err != nil {
		return errUsage
	}
	if r.Topology() == "" {
		return errors.New("no store given: pass -redis-url or set AUDIENCE_REDIS_URL" +
			" (or the Sentinel or Cluster settings), as for audiencectl")
	}
	if err := r.Validate(); err != nil {
		return err
	}
	spec := scenario.Spec{Members: *members, Segments: *segments}
	var err error
	if spec.Limits, err = parseLimits(*limits); err != nil {
		return err
	}

	client, err := store.Connect(r)
	if err != nil {
		return err
	}
	st := store.New(client, r.KeyPrefix)
	defer st.Close()
	accounts, err := scenario.Provision(ctx, st, spec)
	if err != nil {
		return err
	}
	if err := scenario.WriteAccounts(*out, accounts); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d members (ids %d to %d), %d segments each, limits %s: written to %s\n",
		len(accounts), accounts[0].Member, accounts[len(accounts)-1].Member, *segments, *limits,
		*out)
	return nil
}

// parseLimits reads -limits.
func parseLimits(v string) (store.Limits, error) {
	switch v {
	case "unlimited":
		return scenario.Unlimited, nil
	case "service":
		return store.Limits{}, nil
	}
	parts := strings.Split(v, ",")
	nums := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || n <= 0 {
			nums = nil
			break
		}
		nums[i] = n
	}
	if len(nums) != 3 {
		return store.Limits{}, fmt.Errorf("-limits %q: want unlimited, service or three numbers"+
			" POST,GET,USERS such as 20,50,100", v)
	}
	return store.Limits{PostPerSec: nums[0], GetPerSec: nums[1], UsersPerSec: nums[2]}, nil
}
