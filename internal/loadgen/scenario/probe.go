package scenario

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
)

// Headers of the answers that state a member's limits per second.
const (
	hdrWriteLimit = "X-Ratelimit-Write"
	hdrReadLimit  = "X-Ratelimit-Read"
)

// ProbeResult is what a member offering more than its limits got, for
// one of its buckets.
type ProbeResult struct {
	// Name is "POST" or "GET"; PerSec the limit the service announced.
	Name   string
	PerSec int64
	// Offered, Expected and Accepted count calls. Expected is PerSec a
	// second over the run plus the burst (PerSec) the run starts with,
	// less the calls spent before it.
	Offered, Expected, Accepted int
	// Refused counts the 429 answers, and NoRetryAfter those of them
	// without a Retry-After header.
	Refused, NoRetryAfter int
	// Tally is the whole run's.
	Tally loadgen.Tally
}

// Deviation is (accepted − expected) / expected.
func (r ProbeResult) Deviation() float64 {
	if r.Expected == 0 {
		return math.Inf(1)
	}
	return float64(r.Accepted-r.Expected) / float64(r.Expected)
}

// String is one line of a report.
func (r ProbeResult) String() string {
	return fmt.Sprintf("%-4s limit %d/s: offered %d, accepted %d, expected %d (%+.1f%%), "+
		"429 %d (%d without Retry-After); p99 %v; %s",
		r.Name, r.PerSec, r.Offered, r.Accepted, r.Expected, r.Deviation()*100,
		r.Refused, r.NoRetryAfter, loadgen.Round(r.Tally.Quantile(0.99)), r.Tally.StatusLine())
}

// Probe confirms an account's rate limits: it reads the limits the
// service announces, then offers factor times the POST limit (small
// POSTs) and the GET limit (lookups of a user of its own) at once for
// Duration, and returns, for each, the calls accepted against those the
// limit allows. The account should have been idle for a second: a full
// bucket is what Expected counts on.
func (c Config) Probe(ctx context.Context, a Account, factor float64) ([]ProbeResult, error) {
	client := c.Client
	if client == nil {
		client = loadgen.NewClient()
	}
	// One GET to learn the limits; it costs one GET token.
	req, err := c.get(ctx, a, "1")
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	write, err1 := strconv.ParseInt(resp.Header.Get(hdrWriteLimit), 10, 64)
	read, err2 := strconv.ParseInt(resp.Header.Get(hdrReadLimit), 10, 64)
	if resp.StatusCode != http.StatusOK || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("reading the limits: %s, %s %q, %s %q", resp.Status,
			hdrWriteLimit, resp.Header.Get(hdrWriteLimit), hdrReadLimit,
			resp.Header.Get(hdrReadLimit))
	}

	one := c
	one.Accounts = []Account{a}
	one.Client = client
	posts := one
	posts.Rate = factor * float64(write)
	gets := one
	gets.Rate = factor * float64(read)
	results := []ProbeResult{{Name: "POST", PerSec: write}, {Name: "GET", PerSec: read}}
	offers := []loadgen.Offer{posts.SmallPosts(), gets.Lookups([]Read{{UserID: "1"}})}
	// Calls are counted, whatever a POST applied.
	for i := range offers {
		offers[i].Measure = nil
	}
	var wg sync.WaitGroup
	for i := range offers {
		r := &results[i]
		offers[i].Observe = func(ans loadgen.Answer) {
			if ans.Status == http.StatusTooManyRequests && ans.Header.Get("Retry-After") == "" {
				r.NoRetryAfter++
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Tally = offers[i].Run(ctx)
		}()
	}
	wg.Wait()

	spent := []int{0, 1}
	for i := range results {
		r := &results[i]
		secs := c.Duration.Seconds()
		r.Offered = r.Tally.Sent
		r.Accepted = r.Tally.Status[http.StatusOK]
		r.Refused = r.Tally.Status[http.StatusTooManyRequests]
		r.Expected = int(float64(r.PerSec)*secs) + int(r.PerSec) - spent[i]
	}
	return results, ctx.Err()
}

// probeSettle is how long a probe's account should rest before it, for
// its buckets to be full again.
const probeSettle = 1100 * time.Millisecond

// Settle waits until an account's buckets have refilled after earlier
// calls, so that a Probe starts from full buckets.
func Settle(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(probeSettle):
	}
}
