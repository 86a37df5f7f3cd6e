package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
)

// defaults are a scenario's own defaults, the k6 script's.
type defaults struct {
	rate     float64
	duration time.Duration
	p99      float64 // milliseconds
}

var scenarioDefaults = map[string]defaults{
	"small-post": {rate: 500, duration: time.Minute, p99: 5},
	"full-post":  {rate: 2, duration: time.Minute, p99: 1000},
	"get":        {rate: 2000, duration: time.Minute, p99: 2},
	"mixed":      {rate: 200, duration: 5 * time.Minute, p99: 10},
	"limits":     {duration: 10 * time.Second},
	"soak":       {rate: 100, duration: 30 * time.Minute, p99: 10},
}

// settings are a scenario's flags.
type settings struct {
	name         string
	baseURL      string
	accounts     string
	username     string
	segIDs       string
	rate         float64
	duration     time.Duration
	maxInFlight  int
	usersPerPost int
	segsPerUser  int
	lookups      int
	p99, fullP99 float64
	maxErrorRate float64
	factor       float64
	tolerance    float64
	every        time.Duration
}

// envOr returns the environment variable name, or def.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// parseSettings reads the flags, each defaulting to its LOAD_ variable,
// then to the scenario's own default.
func parseSettings(name string, args []string, stderr io.Writer) (settings, error) {
	d := scenarioDefaults[name]
	s := settings{name: name}
	fs := flag.NewFlagSet("load "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, flagName, env, def, help string) {
		fs.StringVar(p, flagName, envOr(env, def), help+" ("+env+")")
	}
	str(&s.baseURL, "base-url", "LOAD_BASE_URL", "http://127.0.0.1:8088",
		"the service, through its load balancer")
	str(&s.accounts, "accounts", "LOAD_ACCOUNTS", "", "accounts file written by load provision")
	str(&s.username, "username", "LOAD_USERNAME", "",
		"one API user instead of an accounts file; its password from LOAD_PASSWORD")
	str(&s.segIDs, "seg-ids", "LOAD_SEG_IDS", "", "that user's member's segment ids, comma separated")
	var rate, dur, inFlight, users, segs, lookups, p99, fullP99, errRate, factor, tol, every string
	str(&rate, "rate", "LOAD_RATE", fmt.Sprint(d.rate), "requests per second")
	str(&dur, "duration", "LOAD_DURATION", d.duration.String(), "how long")
	str(&inFlight, "max-in-flight", "LOAD_MAX_VUS", "1000", "most requests awaiting an answer")
	str(&users, "users-per-post", "LOAD_USERS_PER_POST", "1000", "users of a full POST")
	str(&segs, "segs-per-user", "LOAD_SEGS_PER_USER", "5",
		"segments of each user of full POSTs and lookups")
	str(&lookups, "lookups", "LOAD_LOOKUPS", "2000", "users written first, for GET lookups to read")
	str(&p99, "p99-ms", "LOAD_P99_MS", fmt.Sprint(d.p99), "p99 threshold, milliseconds")
	str(&fullP99, "full-p99-ms", "LOAD_FULL_P99_MS", "1000",
		"p99 threshold of the full POSTs of mixed and soak, milliseconds")
	str(&errRate, "max-error-rate", "LOAD_MAX_ERROR_RATE", "0.001",
		"share of requests allowed to fail (no answer, or not a 200)")
	str(&factor, "factor", "LOAD_FACTOR", "3", "limits: the offered rate over each limit")
	str(&tol, "tolerance", "LOAD_TOLERANCE", "0.05",
		"limits: how far accepted calls may be from expected, relative")
	str(&every, "report-every", "LOAD_REPORT_EVERY", "1m", "soak: a line per this much time")
	if err := fs.Parse(args); err != nil {
		return s, errUsage
	}

	var errs []error
	num := func(v, flagName string) float64 {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			errs = append(errs, fmt.Errorf("-%s %q: not a number >= 0", flagName, v))
		}
		return f
	}
	duration := func(v, flagName string) time.Duration {
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			errs = append(errs, fmt.Errorf("-%s %q: not a duration such as 30s or 5m", flagName, v))
		}
		return t
	}
	s.rate, s.duration = num(rate, "rate"), duration(dur, "duration")
	s.maxInFlight = int(num(inFlight, "max-in-flight"))
	s.usersPerPost, s.segsPerUser = int(num(users, "users-per-post")), int(num(segs, "segs-per-user"))
	s.lookups = int(num(lookups, "lookups"))
	s.p99, s.fullP99 = num(p99, "p99-ms"), num(fullP99, "full-p99-ms")
	s.maxErrorRate = num(errRate, "max-error-rate")
	s.factor, s.tolerance = num(factor, "factor"), num(tol, "tolerance")
	s.every = duration(every, "report-every")
	if name != "limits" && s.rate <= 0 {
		errs = append(errs, errors.New("-rate must be above 0"))
	}
	return s, errors.Join(errs...)
}

// readAccounts reads the accounts file, or makes the one account of
// -username, LOAD_PASSWORD and -seg-ids.
func (s settings) readAccounts() ([]scenario.Account, error) {
	if s.accounts != "" {
		return scenario.ReadAccounts(s.accounts)
	}
	password := os.Getenv("LOAD_PASSWORD")
	var segs []int64
	for _, f := range strings.Split(s.segIDs, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("-seg-ids: %q is not a segment id", f)
		}
		segs = append(segs, id)
	}
	if s.username == "" || password == "" || len(segs) == 0 {
		return nil, errors.New("give -accounts, or -username with LOAD_PASSWORD and -seg-ids")
	}
	return []scenario.Account{{User: s.username, Password: password, Segments: segs}}, nil
}

// scenarioCommand runs one scenario and checks its thresholds.
func scenarioCommand(ctx context.Context, name string, args []string, stdout,
	stderr io.Writer) error {
	s, err := parseSettings(name, args, stderr)
	if err != nil {
		return err
	}
	accounts, err := s.readAccounts()
	if err != nil {
		return err
	}
	client := loadgen.NewClient()
	base := strings.TrimSuffix(s.baseURL, "/")
	if err := scenario.LoginAll(ctx, client, base, accounts); err != nil {
		return err
	}
	c := scenario.Config{Base: base, Accounts: accounts, Rate: s.rate, Duration: s.duration,
		Workers: s.maxInFlight, UsersPerPost: s.usersPerPost, SegsPerUser: s.segsPerUser,
		Client: client}
	if name == "limits" {
		fmt.Fprintf(stdout, "%s: %s, %s's limits offered %.1f times over, for %v\n", name, base,
			accounts[0].User, s.factor, s.duration)
	} else {
		fmt.Fprintf(stdout, "%s: %s, %d accounts, %.0f/s for %v\n", name, base, len(accounts),
			s.rate, s.duration)
	}

	switch name {
	case "small-post":
		return s.judge(stdout, "small POST", c.SmallPosts().Run(ctx), s.p99)
	case "full-post":
		t := c.FullPosts().Run(ctx)
		fmt.Fprintf(stdout, "memberships applied: %d (%.0f/s)\n", t.Measured, t.MeasuredPerSecond())
		return s.judge(stdout, "full POST", t, s.p99)
	case "get":
		reads, err := c.Prepare(ctx, s.lookups)
		if err != nil {
			return err
		}
		t := c.Lookups(reads).Run(ctx)
		err = s.judge(stdout, "GET lookup", t, s.p99)
		if want := t.OK() * min(s.segsPerUser, len(accounts[0].Segments)); t.Measured != want {
			err = errors.Join(err, fmt.Errorf("lookups found %d segments, want %d", t.Measured,
				want))
		}
		return err
	case "mixed":
		reads, err := c.Prepare(ctx, s.lookups)
		if err != nil {
			return err
		}
		return s.judgeMix(stdout, c.Mixed(reads).Run(ctx))
	case "soak":
		return s.soak(ctx, stdout, c)
	case "limits":
		return s.limits(ctx, stdout, c, accounts[0])
	}
	return fmt.Errorf("unknown scenario %q", name)
}

// judge prints a tally and checks the error rate and the p99.
func (s settings) judge(out io.Writer, what string, t loadgen.Tally, p99ms float64) error {
	fmt.Fprintf(out, "%-11s %s\n", what, t)
	var errs []error
	if t.Sent == 0 {
		return fmt.Errorf("%s: nothing was sent", what)
	}
	failed := float64(t.Sent-t.Status[200]) / float64(t.Sent)
	if failed > s.maxErrorRate {
		errs = append(errs, fmt.Errorf("%s: %.2f%% of requests failed (%s %v), threshold %.2f%%",
			what, 100*failed, t.StatusLine(), t.Errors, 100*s.maxErrorRate))
	}
	limit := time.Duration(p99ms * float64(time.Millisecond))
	if p99 := t.Quantile(0.99); p99 >= limit {
		errs = append(errs, fmt.Errorf("%s: p99 %v, threshold %v", what, loadgen.Round(p99), limit))
	}
	return errors.Join(errs...)
}

// judgeMix checks each kind of request of a mixed tally.
func (s settings) judgeMix(out io.Writer, t loadgen.Tally) error {
	fmt.Fprintf(out, "%-11s %s\n", "all", t)
	var errs []error
	for _, k := range []string{scenario.KindFull, scenario.KindSmall, scenario.KindLookup} {
		p99 := s.p99
		if k == scenario.KindFull {
			p99 = s.fullP99
		}
		errs = append(errs, s.judge(out, k, t.Kinds[k], p99))
	}
	return errors.Join(errs...)
}

// soak runs the mixed profile in windows of -report-every, a line each,
// and judges the whole.
func (s settings) soak(ctx context.Context, out io.Writer, c scenario.Config) error {
	reads, err := c.Prepare(ctx, s.lookups)
	if err != nil {
		return err
	}
	var all loadgen.Tally
	for left := s.duration; left > 0 && ctx.Err() == nil; left -= s.every {
		w := c
		w.Duration = min(s.every, left)
		t := w.Mixed(reads).Run(ctx)
		fmt.Fprintf(out, "%s  %s\n", time.Now().Format(time.TimeOnly), t)
		all.Merge(t)
		if all.Kinds == nil {
			all.Kinds = map[string]loadgen.Tally{}
		}
		for k, sub := range t.Kinds {
			merged := all.Kinds[k]
			merged.Merge(sub)
			all.Kinds[k] = merged
		}
	}
	return s.judgeMix(out, all)
}

// maxProbeLag is how far behind its schedule a probe's load may fall
// before its count no longer says anything about the limit.
const maxProbeLag = 500 * time.Millisecond

// limits probes the first account's limits.
func (s settings) limits(ctx context.Context, out io.Writer, c scenario.Config,
	a scenario.Account) error {
	scenario.Settle(ctx)
	results, err := c.Probe(ctx, a, s.factor)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range results {
		fmt.Fprintln(out, r)
		if math.Abs(r.Deviation()) > s.tolerance {
			errs = append(errs, fmt.Errorf("%s: accepted %d, expected %d ± %.0f%%", r.Name,
				r.Accepted, r.Expected, 100*s.tolerance))
		}
		if r.Refused == 0 || r.NoRetryAfter > 0 {
			errs = append(errs, fmt.Errorf("%s: %d refused, %d of them without Retry-After",
				r.Name, r.Refused, r.NoRetryAfter))
		}
		// A load that could not keep its schedule reached the limiter over a
		// longer time than the run's, and got more accepted than expected.
		if r.Tally.MaxLag > maxProbeLag {
			errs = append(errs, fmt.Errorf("%s: the load fell %v behind its schedule: the"+
				" machine could not offer %.0f/s; probe a member with lower limits"+
				" (load provision -limits 20,50,100)", r.Name, loadgen.Round(r.Tally.MaxLag),
				s.factor*float64(r.PerSec)))
		}
		if n := r.Tally.Sent - r.Accepted - r.Refused; n > 0 {
			errs = append(errs, fmt.Errorf("%s: %d answers neither 200 nor 429 (%s)", r.Name, n,
				r.Tally.StatusLine()))
		}
	}
	return errors.Join(errs...)
}
