package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
)

// report is everything a run measured.
type report struct {
	short                      bool
	cpus                       int
	redisVersion               string
	loadStart, loadEnd         string
	members, workers, replicas int

	hset, eval redisRun
	store, one loadgen.Tally
	many       loadgen.Tally
	latency    []latencyRun
	vis        visibilityResult
	mem        memoryResult
	// storeScript and manyScript are Redis's time per script call in the
	// store's run and in the multi-replica service run.
	storeScript, manyScript scriptTime
	// cpu is the CPU each part spent per request, by run.
	cpu map[string]cpuShare
	// shapes is the memory by shape of user, with -memory-table.
	shapes []memoryShape
}

// The targets.
const (
	minServiceRatio  = 0.5
	maxBytesPerEntry = 60
)

// print writes the table.
func (r *report) print(out io.Writer) {
	kind := "full run"
	if r.short {
		kind = "short run (smoke test: figures are indicative only)"
	}
	fmt.Fprintf(out, "Instant Audience, make bench, %s: %d CPUs shared by everything below,"+
		" Redis %s\n", kind, r.cpus, r.redisVersion)
	fmt.Fprintf(out, "load average (1, 5, 15 min) %s at the start, %s at the end; %d members"+
		" with limits raised; 1000-user POSTs of 5 segments, %d in flight\n\n",
		r.loadStart, r.loadEnd, r.members, r.workers)

	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "measurement\tresult\tp50\tp90\tp99\tmax\tanswers\ttarget")
	perCall := func(t loadgen.Tally) string {
		return fmt.Sprintf("%s\t%s\t%s\t%s", ms(t.Quantile(0.5)), ms(t.Quantile(0.9)),
			ms(t.Quantile(0.99)), ms(t.Max()))
	}
	redisRow := func(name string, run redisRun, unit string) {
		fmt.Fprintf(w, "%s\t%s memberships/s\t%.2f ms\t\t%.2f ms\t\t%s %s/s\t\n", name,
			thousands(run.perSec*5), run.p50, run.p99, thousands(run.perSec), unit)
	}
	redisRow("Redis alone: HSET of 5 fields (redis-benchmark -P 16 -c 50)", r.hset, "commands")
	redisRow("Redis alone: EVALSHA of the apply script, 5 segments", r.eval, "calls")
	fmt.Fprintf(w, "store layer alone: ApplyCounted of 1000 users, in-process\t%s memberships/s"+
		"\t%s\t%s calls\t\n", thousands(r.store.MeasuredPerSecond()), perCall(r.store),
		r.store.StatusLine())
	for _, s := range []struct {
		name string
		t    loadgen.Tally
	}{{"service, 1 replica (haproxy, HTTP, real Redis)", r.one},
		{fmt.Sprintf("service, %d replicas (haproxy, HTTP, real Redis)", r.replicas), r.many}} {
		fmt.Fprintf(w, "%s\t%s memberships/s\t%s\t%s POSTs\t\n", s.name,
			thousands(s.t.MeasuredPerSecond()), perCall(s.t), s.t.StatusLine())
	}

	fmt.Fprintf(w, "Redis's own time per user write (INFO commandstats, EVALSHA)\t%.1f µs store,"+
		" %.1f µs service\t\t\t\t\t%s + %s calls\t\n", r.storeScript.usecPer,
		r.manyScript.usecPer, thousands(float64(r.storeScript.calls)),
		thousands(float64(r.manyScript.calls)))

	storeRate := r.store.MeasuredPerSecond()
	ratio := func(name string, a, b float64, target string) {
		fmt.Fprintf(w, "ratio: %s\t%.2f\t\t\t\t\t\t%s\n", name, safeDiv(a, b), target)
	}
	ratio(fmt.Sprintf("service %d replicas / store alone", r.replicas), r.many.MeasuredPerSecond(),
		storeRate, verdict(">= 0.5", r.manyRatio() >= minServiceRatio))
	ratio("service 1 replica / store alone", r.one.MeasuredPerSecond(), storeRate,
		verdict(">= 0.5", safeDiv(r.one.MeasuredPerSecond(), storeRate) >= minServiceRatio))
	ratio(fmt.Sprintf("service %d replicas / 1 replica", r.replicas), r.many.MeasuredPerSecond(),
		r.one.MeasuredPerSecond(), "")
	ratio("store alone / Redis EVALSHA", storeRate, r.eval.perSec*5, "")
	ratio(fmt.Sprintf("service %d replicas / Redis EVALSHA", r.replicas),
		r.many.MeasuredPerSecond(), r.eval.perSec*5, "")
	ratio("Redis EVALSHA / Redis HSET", r.eval.perSec, r.hset.perSec, "")

	for _, l := range r.latency {
		target := ""
		if l.target > 0 {
			target = verdict("p99 < "+ms(l.target), l.tally.Quantile(0.99) < l.target)
		}
		fmt.Fprintf(w, "%s at %.0f/s, %s (lag max %s)\t%.0f answers/s\t%s\t%s\t%s\n",
			l.name, l.rate, l.where(), ms(l.tally.MaxLag), l.tally.PerSecond(),
			perCall(l.tally), l.tally.StatusLine(), target)
	}

	read := loadgen.Tally{Latency: r.vis.read}
	fmt.Fprintf(w, "visibility: read from another replica right after a 200\t%d of %d missing"+
		"\t%s\t%d reads\t%s\n", r.vis.missing, r.vis.writes, perCall(read), len(r.vis.read),
		verdict("0 missing", r.vis.missing == 0))
	fmt.Fprintf(w, "Redis memory: %s users x %d memberships\t%.1f bytes/membership\t\t\t\t\t%.1f MB"+
		"\t%s\n", thousands(float64(r.mem.users)), r.mem.perUser, r.mem.perMembership(),
		float64(r.mem.bytes)/1e6, verdict("<= 60", r.mem.perMembership() <= maxBytesPerEntry))
	_ = w.Flush()
	r.printCPU(out)
	printMemoryTable(out, r.shapes)
}

// printCPU writes the CPU each part of the deployment spent per request,
// a table of its own under the first.
func (r *report) printCPU(out io.Writer) {
	if len(r.cpu) == 0 {
		return
	}
	names := make([]string, 0, len(r.cpu))
	for n := range r.cpu {
		names = append(names, n)
	}
	slices.Sort(names)
	fmt.Fprintln(out, "\nCPU time per request (user + system, /proc), all replicas together:")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "run\trequests\treplicas\tRedis\thaproxy\tload generator")
	for _, n := range names {
		c := r.cpu[n]
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", n, c.requests, c.perRequest(c.replicas),
			c.perRequest(c.redis), c.perRequest(c.balancer), c.perRequest(c.loader))
	}
	_ = w.Flush()
}

func (r *report) manyRatio() float64 {
	return safeDiv(r.many.MeasuredPerSecond(), r.store.MeasuredPerSecond())
}

// problems lists what makes the run fail: wrong results always, missed
// speed targets with strict.
func (r *report) problems(strict bool) []string {
	var out []string
	if r.vis.missing > 0 {
		out = append(out, fmt.Sprintf("%d of %d acknowledged writes were not visible from"+
			" another replica", r.vis.missing, r.vis.writes))
	}
	if r.mem.perMembership() > maxBytesPerEntry {
		out = append(out, fmt.Sprintf("%.1f bytes per membership, more than %d",
			r.mem.perMembership(), maxBytesPerEntry))
	}
	if !strict {
		return out
	}
	if r.manyRatio() < minServiceRatio {
		out = append(out, fmt.Sprintf("service throughput is %.2f of the store layer's, below %.1f",
			r.manyRatio(), minServiceRatio))
	}
	for _, l := range r.latency {
		if l.target > 0 && l.tally.Quantile(0.99) >= l.target {
			out = append(out, fmt.Sprintf("%s at %.0f/s, %s: p99 %s, target below %s", l.name,
				l.rate, l.where(), ms(l.tally.Quantile(0.99)), ms(l.target)))
		}
	}
	return out
}

func verdict(target string, met bool) string {
	if met {
		return target + ": met"
	}
	return target + ": MISSED"
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

// thousands formats a number rounded to a whole, with commas.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
