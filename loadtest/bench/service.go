package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
)

// serviceThroughput offers Workers 1000-user POSTs at once (closed model)
// through the balancer with n replicas serving, after a warm-up run that
// is not counted (connections, the replicas' segment caches).
func (b *bench) serviceThroughput(ctx context.Context, n int) (loadgen.Tally, error) {
	if err := b.cluster.Serve(ctx, n); err != nil {
		return loadgen.Tally{}, err
	}
	c := b.config()
	c.Workers = b.o.workers
	c.Duration = b.p.warm
	c.FullPosts().Run(ctx)

	c.Duration = b.p.throughput
	before := b.sampleCPU()
	t := c.FullPosts().Run(ctx)
	name := "1000-user POSTs, 1 replica"
	if n > 1 {
		name = fmt.Sprintf("1000-user POSTs, %d replicas", n)
	}
	b.cpu[name] = b.cpuSince(before, t.Sent)
	if err := allOK(fmt.Sprintf("service with %d replicas", n), t); err != nil {
		return t, err
	}
	if len(t.ByHeader) != n {
		return t, fmt.Errorf("service with %d replicas: answers came from %v", n, t.ByHeader)
	}
	return t, nil
}

// latencyRun is one fixed-rate run.
type latencyRun struct {
	name string
	rate float64
	// target is the p99 the issue asks for; 0 when it sets none.
	target time.Duration
	// replicas is the number of replicas that served it; direct says
	// the load generator sent to one replica, not through haproxy.
	replicas int
	direct   bool
	tally    loadgen.Tally
}

// where says how a run reached the service.
func (l latencyRun) where() string {
	if l.direct {
		return "1 replica, direct"
	}
	return fmt.Sprintf("%d replicas via haproxy", l.replicas)
}

// latencies offers 1-user POSTs at 500/s and at 2000/s, and GET lookups
// of users just written at 2000/s: first to one replica directly, which
// is the service's own latency and what the targets are about; then
// through haproxy to every replica, where the balancer and two more
// replicas take their share of this machine's two cores.
func (b *bench) latencies(ctx context.Context) ([]latencyRun, error) {
	serving := b.o.replicas
	if b.o.latencyReplicas > 0 {
		serving = min(b.o.latencyReplicas, b.o.replicas)
	}
	if err := b.cluster.Serve(ctx, serving); err != nil {
		return nil, err
	}
	c := b.config()
	c.Duration = b.p.latency
	reads, err := c.Prepare(ctx, b.p.lookups)
	if err != nil {
		return nil, err
	}
	var runs []latencyRun
	for _, direct := range []bool{true, false} {
		runs = append(runs,
			latencyRun{name: "1-user POST", rate: 500, target: 5 * time.Millisecond},
			latencyRun{name: "1-user POST", rate: 2000},
			latencyRun{name: "GET lookup", rate: 2000, target: 2 * time.Millisecond})
		for i := len(runs) - 3; i < len(runs); i++ {
			r := &runs[i]
			r.replicas, r.direct, c.Base = serving, direct, b.cluster.URL
			if direct {
				r.replicas, c.Base = 1, b.cluster.Replicas[0]
			} else {
				r.target = 0
			}
			if err := b.latencyRun(ctx, c, reads, r); err != nil {
				return runs, err
			}
		}
	}
	return runs, nil
}

// latencyRun offers one fixed-rate run and checks its answers: every
// lookup must have found every segment its user was given.
func (b *bench) latencyRun(ctx context.Context, c scenario.Config, reads []scenario.Read,
	r *latencyRun) error {
	c.Rate = r.rate
	offer := c.SmallPosts()
	if r.name == "GET lookup" {
		offer = c.Lookups(reads)
	}
	before := b.sampleCPU()
	r.tally = offer.Run(ctx)
	b.cpu[fmt.Sprintf("%ss at %.0f/s, %s", r.name, r.rate, r.where())] =
		b.cpuSince(before, r.tally.Sent)
	what := fmt.Sprintf("%s at %.0f/s, %s", r.name, r.rate, r.where())
	if err := allOK(what, r.tally); err != nil {
		return err
	}
	if r.name == "GET lookup" {
		if want := r.tally.OK() * scenario.DefaultSegsPerUser; r.tally.Measured != want {
			return fmt.Errorf("%s: lookups found %d segments, want %d", what,
				r.tally.Measured, want)
		}
	}
	return nil
}

// allOK fails unless every request of t got a 200.
func allOK(what string, t loadgen.Tally) error {
	if t.Sent == 0 || t.Status[http.StatusOK] != t.Sent {
		return fmt.Errorf("%s: not every request got a 200: %s %v", what, t.StatusLine(),
			t.Errors)
	}
	return nil
}

// visibilityResult is what the reads after acknowledged writes found.
type visibilityResult struct {
	writes, missing int
	// read holds the latency of each read that followed an
	// acknowledgement, sorted.
	read []time.Duration
}

// visibility writes one user of 5 segments through one replica and, as
// soon as it has answered 200, reads the user from the next replica: the
// contract says every acknowledged membership is visible everywhere at
// once. Replicas are reached directly, not through the balancer, so that
// the writer and the reader are known to differ.
func (b *bench) visibility(ctx context.Context, n int) (visibilityResult, error) {
	v := visibilityResult{writes: n}
	replicas := b.cluster.Replicas
	first := uint64(time.Now().UnixNano()%1e12)*1e6 + 7
	for i := range n {
		a := b.accounts[i%len(b.accounts)]
		writer := b.config()
		writer.Base = replicas[i%len(replicas)]
		writer.Accounts = []scenario.Account{a}
		writer.FirstUser = first + uint64(i)
		writer.UsersPerPost, writer.SegsPerUser = 1, 5
		reader := writer
		reader.Base = replicas[(i+1)%len(replicas)]

		// One request each, through the same code as the scenarios.
		w := writer.FullPosts()
		w.Requests, w.Duration, w.Rate = 1, time.Minute, 1
		wt := w.Run(ctx)
		if wt.Status[http.StatusOK] != 1 || wt.Measured != 5 {
			return v, fmt.Errorf("visibility: write %d: %s, %d memberships applied %v", i,
				wt.StatusLine(), wt.Measured, wt.Errors)
		}
		r := reader.Lookups([]scenario.Read{{UserID: fmt.Sprint(first + uint64(i)),
			Segments: 5}})
		r.Requests, r.Duration, r.Rate = 1, time.Minute, 1
		rt := r.Run(ctx)
		if rt.Status[http.StatusOK] != 1 {
			return v, fmt.Errorf("visibility: read %d: %s %v", i, rt.StatusLine(), rt.Errors)
		}
		if rt.Measured != 5 {
			v.missing++
		}
		v.read = append(v.read, rt.Latency...)
	}
	slices.Sort(v.read)
	return v, nil
}
