package localcluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/instant-audience/audience/internal/store"
)

// maxLag is how late a request may leave before the load no longer counts
// as offered at a steady rate. A late request still arrives, and the
// bucket counts it when it does: a lag moves the count by at most limit ×
// lag, which the accuracy check sees. This bound catches a machine too
// loaded to run the check at all.
const maxLag = time.Second

// Tolerance is how far the accepted count may be from limit × seconds +
// burst, relative to it: the 3%.
const Tolerance = 0.03

// AccuracyConfig shapes the accuracy run. Its limits are members' own
// limits, set low so that three times each fits on two shared cores; the
// buckets behave the same at any rate. Zero fields take the defaults.
type AccuracyConfig struct {
	// Duration of the offered load (10s).
	Duration time.Duration
	// Factor is the offered rate over the limit (3).
	Factor float64
	// PostPerSec, GetPerSec and UsersPerSec are the limits under test
	// (20, 50 and 100).
	PostPerSec, GetPerSec, UsersPerSec int64
	// UsersPerPost is the size of each POST of the users scenario (10).
	UsersPerPost int
}

func (c *AccuracyConfig) defaults() {
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Factor <= 0 {
		c.Factor = 3
	}
	if c.PostPerSec <= 0 {
		c.PostPerSec = 20
	}
	if c.GetPerSec <= 0 {
		c.GetPerSec = 50
	}
	if c.UsersPerSec <= 0 {
		c.UsersPerSec = 100
	}
	if c.UsersPerPost <= 0 {
		c.UsersPerPost = 10
	}
}

// Result is one limit's accuracy: what a member offering Factor times its
// limit got, and what a second member, offering half its own limit at the
// same time, got.
type Result struct {
	Name    string
	Unit    string
	PerSec  int64
	Seconds float64
	// Offered, Expected and Accepted count Units: calls, or users.
	Offered  int
	Expected int
	Accepted int
	// Busy and Quiet are the two members' tallies.
	Busy, Quiet Tally
	// QuietOffered is what the quiet member sent, in Units; QuietAccepted
	// what was accepted of it.
	QuietOffered, QuietAccepted int
}

// Deviation is (accepted − expected) / expected.
func (r Result) Deviation() float64 {
	return float64(r.Accepted-r.Expected) / float64(r.Expected)
}

// Err says what is wrong with the result, if anything: accepted beyond
// Tolerance, a quiet member slowed (any call refused or failed), a load
// that could not keep its schedule, or replicas left out.
func (r Result) Err(replicas int) error {
	var errs []error
	if math.Abs(r.Deviation()) > Tolerance {
		errs = append(errs, fmt.Errorf("%s: accepted %d %s, expected %d ± %.0f%%",
			r.Name, r.Accepted, r.Unit, r.Expected, Tolerance*100))
	}
	if r.QuietAccepted != r.QuietOffered || r.Quiet.Failed > 0 {
		errs = append(errs, fmt.Errorf(
			"%s: the quiet member got %d of %d %s accepted (statuses %v)",
			r.Name, r.QuietAccepted, r.QuietOffered, r.Unit, r.Quiet.Status))
	}
	for _, t := range []Tally{r.Busy, r.Quiet} {
		if t.Failed > 0 || t.MaxLag > maxLag {
			errs = append(errs, fmt.Errorf("%s: load off schedule: %d failed, lag up to %v",
				r.Name, t.Failed, t.MaxLag))
		}
		if len(t.ByHeader) < replicas {
			errs = append(errs, fmt.Errorf("%s: answers came from %d replicas (%v), want %d",
				r.Name, len(t.ByHeader), t.ByHeader, replicas))
		}
	}
	return errors.Join(errs...)
}

// String is one line of the report.
func (r Result) String() string {
	return fmt.Sprintf("%-10s limit %4d/s  %2.0f s  offered %5d  expected %5d (%d×%.0f+%d)"+
		"  accepted %5d (%+.1f%%)  | quiet member: %d/%d accepted, p50 %v p99 %v | replicas %s",
		r.Name, r.PerSec, r.Seconds, r.Offered, r.Expected, r.PerSec, r.Seconds, r.PerSec,
		r.Accepted, r.Deviation()*100, r.QuietAccepted, r.QuietOffered,
		r.Quiet.Quantile(0.5).Round(10*time.Microsecond),
		r.Quiet.Quantile(0.99).Round(10*time.Microsecond),
		replicaSpread(r.Busy.ByHeader))
}

func replicaSpread(m map[string]int) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%d", n, m[n])
	}
	return strings.Join(parts, " ")
}

// scenario is one limit under test.
type scenario struct {
	name, unit string
	perSec     int64
	limits     store.Limits
	// rate is the busy member's calls per second; the quiet member
	// offers a sixth of it, half its limit.
	rate    float64
	perCall int
	request func(a Account) func(ctx context.Context, i int) (*http.Request, error)
	measure func(body []byte) int
}

// Accuracy runs the three scenarios at the same time through base (the
// balancer): for each limit, a busy member offers Factor times its limit
// for Duration at a steady rate while a quiet member offers half of its
// own. Members are made fresh on st.
func Accuracy(ctx context.Context, st *store.Store, base string,
	cfg AccuracyConfig) ([]Result, error) {
	cfg.defaults()
	scenarios := cfg.scenarios(base)

	client := NewClient()
	type pair struct{ busy, quiet Account }
	pairs := make([]pair, len(scenarios))
	for i, s := range scenarios {
		for _, a := range []*Account{&pairs[i].busy, &pairs[i].quiet} {
			var err error
			if *a, err = NewAccount(ctx, st, s.limits); err != nil {
				return nil, err
			}
			if err := a.Login(ctx, client, base); err != nil {
				return nil, err
			}
		}
	}
	// Open enough connections to the balancer before the clock starts, so
	// that the first second is not spent dialling.
	warm(ctx, client, base, 64)

	results := make([]Result, len(scenarios))
	var wg sync.WaitGroup
	for i, s := range scenarios {
		for j, a := range []Account{pairs[i].busy, pairs[i].quiet} {
			rate := s.rate
			if j == 1 {
				rate = s.rate / (2 * cfg.Factor)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := Offer{Rate: rate, Duration: cfg.Duration, New: s.request(a),
					Measure: s.measure, Client: client, CountHeader: ReplicaHeader}.Run(ctx)
				if j == 0 {
					results[i].Busy = t
				} else {
					results[i].Quiet = t
				}
			}()
		}
	}
	wg.Wait()

	for i, s := range scenarios {
		r := &results[i]
		r.Name, r.Unit, r.PerSec, r.Seconds = s.name, s.unit, s.perSec, cfg.Duration.Seconds()
		r.Offered = r.Busy.Sent * s.perCall
		r.Expected = int(float64(s.perSec)*r.Seconds) + int(s.perSec)
		r.Accepted = r.Busy.Measured
		r.QuietOffered = r.Quiet.Sent * s.perCall
		r.QuietAccepted = r.Quiet.Measured
	}
	return results, ctx.Err()
}

func (cfg AccuracyConfig) scenarios(base string) []scenario {
	calls := func(body []byte) int { return 1 }
	users := func(body []byte) int {
		var out struct {
			Response struct {
				Message struct {
					Users int `json:"users_in_request"`
				} `json:"message"`
			} `json:"response"`
		}
		_ = json.Unmarshal(body, &out)
		return out.Response.Message.Users
	}
	post := func(n int) func(a Account) func(ctx context.Context, i int) (*http.Request, error) {
		return func(a Account) func(ctx context.Context, i int) (*http.Request, error) {
			return func(ctx context.Context, i int) (*http.Request, error) {
				return a.Request(ctx, http.MethodPost, base+"/rt-segment", a.PostBody(i*n+1, n))
			}
		}
	}
	get := func(a Account) func(ctx context.Context, i int) (*http.Request, error) {
		return func(ctx context.Context, i int) (*http.Request, error) {
			url := fmt.Sprintf("%s/rt-segment?user_id=%d", base, i%50+1)
			return a.Request(ctx, http.MethodGet, url, nil)
		}
	}
	f := cfg.Factor
	return []scenario{
		{name: "POST", unit: "calls", perSec: cfg.PostPerSec,
			limits: store.Limits{PostPerSec: cfg.PostPerSec},
			rate:   f * float64(cfg.PostPerSec), perCall: 1, request: post(1), measure: calls},
		{name: "GET", unit: "calls", perSec: cfg.GetPerSec,
			limits: store.Limits{GetPerSec: cfg.GetPerSec},
			rate:   f * float64(cfg.GetPerSec), perCall: 1, request: get, measure: calls},
		// The POST limit is set out of the way so that only users count.
		{name: "users", unit: "users", perSec: cfg.UsersPerSec,
			limits:  store.Limits{UsersPerSec: cfg.UsersPerSec, PostPerSec: 100_000},
			rate:    f * float64(cfg.UsersPerSec) / float64(cfg.UsersPerPost),
			perCall: cfg.UsersPerPost,
			request: post(cfg.UsersPerPost), measure: users},
	}
}

// warm opens n kept-alive connections to base with unlimited calls.
func warm(ctx context.Context, client *http.Client, base string, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
			if err != nil {
				return
			}
			if resp, err := client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
}
