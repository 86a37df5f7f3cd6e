package loadgen

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Tally is what an Offer got.
type Tally struct {
	// Sent is the number of requests sent (or attempted).
	Sent int
	// Status counts the answers by HTTP status.
	Status map[int]int
	// Failed counts the requests that got no whole answer.
	Failed int
	// Errors keeps the first few distinct reasons of the failures.
	Errors []string
	// Measured sums Offer.Measure over the 2xx answers.
	Measured int
	// ByHeader counts the answers by the value of Offer.CountHeader.
	ByHeader map[string]int
	// MaxLag is the most a request left after its scheduled time: a load
	// that could not keep its schedule was not offered at its rate.
	MaxLag time.Duration
	// Latency holds every answer's latency, failures excluded, sorted.
	Latency []time.Duration
	// Elapsed runs from the start of the run to its last answer.
	Elapsed time.Duration
	// Kinds holds a tally of each kind of request when Offer.Kind is
	// set; each has the whole run's Elapsed.
	Kinds map[string]Tally
}

// maxErrors bounds Tally.Errors.
const maxErrors = 5

func newTally() Tally {
	return Tally{Status: map[int]int{}, ByHeader: map[string]int{}}
}

func (t *Tally) add(a Answer, value int, header string) {
	t.Sent++
	t.MaxLag = max(t.MaxLag, a.Lag)
	if a.Status == 0 {
		t.Failed++
		if a.Err != nil && len(t.Errors) < maxErrors && !slices.Contains(t.Errors, a.Err.Error()) {
			t.Errors = append(t.Errors, a.Err.Error())
		}
		return
	}
	t.Status[a.Status]++
	t.Measured += value
	t.Latency = append(t.Latency, a.Latency)
	if header != "" {
		t.ByHeader[a.Header.Get(header)]++
	}
}

// Answered is the number of requests that got an answer, of any status.
func (t Tally) Answered() int { return len(t.Latency) }

// OK is the number of 2xx answers.
func (t Tally) OK() int {
	n := 0
	for code, c := range t.Status {
		if code/100 == 2 {
			n += c
		}
	}
	return n
}

// Quantile returns the latency at q (0.5 for the median, 1 for the
// maximum), the nearest rank of the sorted answers; 0 with no answer.
func (t Tally) Quantile(q float64) time.Duration {
	n := len(t.Latency)
	if n == 0 {
		return 0
	}
	// The nearest rank: the smallest latency with at least q of the
	// answers at or below it.
	i := int(math.Ceil(q*float64(n))) - 1
	return t.Latency[min(max(i, 0), n-1)]
}

// Max returns the slowest answer's latency.
func (t Tally) Max() time.Duration { return t.Quantile(1) }

// PerSecond is the answers per second over Elapsed.
func (t Tally) PerSecond() float64 { return perSecond(t.Answered(), t.Elapsed) }

// MeasuredPerSecond is Measured per second over Elapsed.
func (t Tally) MeasuredPerSecond() float64 { return perSecond(t.Measured, t.Elapsed) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// StatusLine lists the answers by status, then the failures: "200:9990
// 429:10 failed:0".
func (t Tally) StatusLine() string {
	codes := make([]int, 0, len(t.Status))
	for c := range t.Status {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, 0, len(codes)+1)
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d:%d", c, t.Status[c]))
	}
	parts = append(parts, fmt.Sprintf("failed:%d", t.Failed))
	return strings.Join(parts, " ")
}

// String is a one-line summary: throughput, latency quantiles, answers by
// status and the schedule's worst lag.
func (t Tally) String() string {
	return fmt.Sprintf("sent %d in %v (%.1f/s)  p50 %v  p90 %v  p99 %v  max %v  %s  lag max %v",
		t.Sent, t.Elapsed.Round(time.Millisecond), t.PerSecond(),
		Round(t.Quantile(0.5)), Round(t.Quantile(0.9)), Round(t.Quantile(0.99)), Round(t.Max()),
		t.StatusLine(), Round(t.MaxLag))
}

// Round rounds a latency to three significant figures, for reports.
func Round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// Merge adds o's counts and latencies to t, as one run: Elapsed adds up,
// as for runs one after the other (the windows of a soak).
func (t *Tally) Merge(o Tally) {
	if t.Status == nil {
		t.Status = map[int]int{}
	}
	if t.ByHeader == nil {
		t.ByHeader = map[string]int{}
	}
	t.Sent += o.Sent
	t.Failed += o.Failed
	t.Measured += o.Measured
	for code, n := range o.Status {
		t.Status[code] += n
	}
	for v, n := range o.ByHeader {
		t.ByHeader[v] += n
	}
	for _, e := range o.Errors {
		if len(t.Errors) < maxErrors && !slices.Contains(t.Errors, e) {
			t.Errors = append(t.Errors, e)
		}
	}
	t.MaxLag = max(t.MaxLag, o.MaxLag)
	t.Latency = append(t.Latency, o.Latency...)
	slices.Sort(t.Latency)
	t.Elapsed += o.Elapsed
}
