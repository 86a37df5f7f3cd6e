package loadgen

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultInFlight bounds the requests of an open-model Offer awaiting
// their answers when Offer.Workers is zero.
const DefaultInFlight = 256

// Offer is one run of load. The zero values of the optional fields take
// the defaults their comments give.
type Offer struct {
	// Rate is the requests per second of the open model. Zero runs the
	// closed model: Workers clients, each sending its next request once
	// the last one is answered.
	Rate float64
	// Duration bounds the run: no request leaves after it.
	Duration time.Duration
	// Requests, when above zero, ends the run after that many requests,
	// even before Duration is up.
	Requests int
	// Workers is, in the open model, the most requests awaiting an answer
	// (DefaultInFlight): past it the schedule slips, and Tally.MaxLag says
	// by how much. In the closed model it is the number of clients, and
	// must be above zero.
	Workers int
	// New returns the i-th request (i from 0). It is called from many
	// goroutines at once, and its error ends the run.
	New func(ctx context.Context, i int) (*http.Request, error)
	// Measure, if set, reads a number from the body of each 2xx answer
	// (such as the users a POST applied); Tally.Measured sums them.
	Measure func(body []byte) int
	// Observe, if set, is called with every answer, one at a time, once
	// it has been tallied.
	Observe func(Answer)
	// CountHeader, if set, names a header of the answers by whose values
	// Tally.ByHeader counts them (such as the replica that served each).
	CountHeader string
	// Kind, if set, names the kind of request i (such as "get" or
	// "post" in a mixed load); Tally.Kinds then has a tally of each kind.
	Kind func(i int) string
	// Client sends the requests (NewClient()).
	Client *http.Client
}

// Answer is what one request got.
type Answer struct {
	// Seq is the request's number, the i New was called with.
	Seq int
	// Status is the HTTP status; 0 when no answer came (see Err).
	Status int
	// Err is why no whole answer came: a connection refused, a timeout,
	// a body cut short, or the error of New.
	Err error
	// Header and Body are the answer's.
	Header http.Header
	Body   []byte
	// Sent is when the request left; Lag how late that was after its
	// scheduled time (always zero in the closed model).
	Sent time.Time
	Lag  time.Duration
	// Latency runs from the request leaving to the last byte of its
	// answer.
	Latency time.Duration
}

// Run offers the load and returns once every request sent has its answer
// or has failed. Cancelling ctx stops the sending and the requests in
// flight.
func (o Offer) Run(ctx context.Context) Tally {
	r := &run{offer: o, client: o.Client, t: newTally()}
	if r.client == nil {
		r.client = NewClient()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel

	r.start = time.Now()
	if o.Rate > 0 {
		r.open(ctx)
	} else {
		r.closed(ctx)
	}
	r.wg.Wait()
	r.t.Elapsed = time.Since(r.start)
	slices.Sort(r.t.Latency)
	if len(r.kinds) > 0 {
		r.t.Kinds = make(map[string]Tally, len(r.kinds))
		for k, sub := range r.kinds {
			sub.Elapsed = r.t.Elapsed
			slices.Sort(sub.Latency)
			r.t.Kinds[k] = *sub
		}
	}
	return r.t
}

// run is the state of one Offer.Run.
type run struct {
	offer  Offer
	client *http.Client
	start  time.Time
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	t     Tally
	kinds map[string]*Tally
}

// open sends request i at start + i/Rate, with at most Workers awaiting
// their answers. Requests are handed to worker goroutines that live for
// the whole run, started as the schedule needs them: a goroutine per
// request would grow a fresh stack for every call through net/http, which
// made the load generator, sharing the machine with what it measures,
// spend more of it.
func (r *run) open(ctx context.Context) {
	o := r.offer
	n := int(o.Duration.Seconds() * o.Rate)
	if o.Requests > 0 {
		n = min(n, o.Requests)
	}
	most := o.Workers
	if most <= 0 {
		most = DefaultInFlight
	}
	type job struct {
		i  int
		at time.Time
	}
	jobs := make(chan job)
	defer close(jobs)
	workers := 0
	worker := func() {
		defer r.wg.Done()
		for j := range jobs {
			r.send(ctx, j.i, time.Since(j.at))
		}
	}
	interval := float64(time.Second) / o.Rate

	for i := range n {
		at := r.start.Add(time.Duration(float64(i) * interval))
		if !sleepUntil(ctx, at) {
			return
		}
		// An idle worker takes the request at once; if none is idle, a new
		// one is started, up to the bound, past which the schedule slips.
		select {
		case jobs <- job{i, at}:
			continue
		default:
		}
		if workers < most {
			workers++
			r.wg.Add(1)
			go worker()
		}
		select {
		case jobs <- job{i, at}:
		case <-ctx.Done():
			return
		}
	}
}

// closed runs Workers clients that send one request after another until
// Duration is up or Requests have been sent.
func (r *run) closed(ctx context.Context) {
	o := r.offer
	deadline := r.start.Add(o.Duration)
	var next atomic.Int64
	for range max(o.Workers, 1) {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if o.Requests > 0 && i >= o.Requests {
					return
				}
				r.send(ctx, i, 0)
			}
		}()
	}
}

// send sends request i, reads its whole answer and tallies it.
func (r *run) send(ctx context.Context, i int, lag time.Duration) {
	a := Answer{Seq: i, Lag: lag}
	req, err := r.offer.New(ctx, i)
	if err != nil {
		// A request that cannot be built is the caller's bug: stop.
		a.Err = err
		r.cancel()
		r.record(a)
		return
	}
	a.Sent = time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		a.Err, a.Latency = err, time.Since(a.Sent)
		r.record(a)
		return
	}
	a.Body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	a.Latency = time.Since(a.Sent)
	if err != nil {
		a.Err = err
	} else {
		a.Status, a.Header = resp.StatusCode, resp.Header
	}
	r.record(a)
}

// record adds an answer to the tally and shows it to Observe.
func (r *run) record(a Answer) {
	value := 0
	if m := r.offer.Measure; m != nil && a.Status/100 == 2 {
		value = m(a.Body)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t.add(a, value, r.offer.CountHeader)
	if r.offer.Kind != nil {
		k := r.offer.Kind(a.Seq)
		sub, ok := r.kinds[k]
		if !ok {
			if r.kinds == nil {
				r.kinds = map[string]*Tally{}
			}
			t := newTally()
			sub = &t
			r.kinds[k] = sub
		}
		sub.add(a, value, r.offer.CountHeader)
	}
	if r.offer.Observe != nil {
		r.offer.Observe(a)
	}
}

// sleepUntil waits until at, or returns false if ctx ends first.
func sleepUntil(ctx context.Context, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// NewClient returns an HTTP client for loads: kept-alive connections, as
// a real client keeps them, enough of them for DefaultInFlight requests
// at once, and a bound of 15 s on every request.
func NewClient() *http.Client {
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        2 * DefaultInFlight,
			MaxIdleConnsPerHost: 2 * DefaultInFlight,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}
