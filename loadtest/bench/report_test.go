package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
)

func TestThousands(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567.6, "1,234,568"}, {100000, "100,000"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := thousands(tt.in); got != tt.want {
				t.Errorf("thousands(%v) = %q", tt.in, got)
			}
		})
	}
}

// tally is a run of n answers of latency d that measured m in total.
func tally(n int, d time.Duration, m int) loadgen.Tally {
	t := loadgen.Tally{Sent: n, Status: map[int]int{200: n}, Measured: m, Elapsed: time.Second}
	for range n {
		t.Latency = append(t.Latency, d)
	}
	return t
}

func sample() *report {
	return &report{cpus: 2, redisVersion: "7.0.15", loadStart: "0.5 0.4 0.3",
		loadEnd: "1.0 0.6 0.4", members: 16, workers: 8, replicas: 3,
		hset: redisRun{perSec: 150_000, p50: 3, p99: 8}, eval: redisRun{perSec: 50_000},
		store: tally(40, 200*time.Millisecond, 200_000),
		one:   tally(30, 250*time.Millisecond, 150_000),
		many:  tally(28, 280*time.Millisecond, 140_000),
		latency: []latencyRun{
			{name: "1-user POST", rate: 500, target: 5 * time.Millisecond, replicas: 3,
				tally: tally(500, 2*time.Millisecond, 0)},
			{name: "GET lookup", rate: 2000, target: 2 * time.Millisecond, replicas: 3,
				tally: tally(2000, 3*time.Millisecond, 0)},
		},
		vis: visibilityResult{writes: 10, read: []time.Duration{time.Millisecond}},
		mem: memoryResult{users: 100_000, perUser: 5, bytes: 24_650_000},
	}
}

func TestReportPrints(t *testing.T) {
	var out bytes.Buffer
	sample().print(&out)
	for _, want := range []string{
		"200,000 memberships/s", "ratio: service 3 replicas / store alone", "0.70",
		">= 0.5: met", "p99 < 5.00 ms: met", "p99 < 2.00 ms: MISSED", "0 of 10 missing",
		"49.3 bytes/membership", "<= 60: met", "load average (1, 5, 15 min) 0.5 0.4 0.3",
		"GET lookup at 2000/s, 3 replicas",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestProblems(t *testing.T) {
	r := sample()
	if p := r.problems(false); len(p) != 0 {
		t.Errorf("problems without -strict: %q; a missed speed target is not one", p)
	}
	if p := r.problems(true); len(p) != 1 || !strings.Contains(p[0], "GET lookup") {
		t.Errorf("problems with -strict: %q, want the GET p99", p)
	}
	r.vis.missing = 1
	r.mem.bytes = 31_000_000
	if p := r.problems(false); len(p) != 2 {
		t.Errorf("problems %q, want the missing write and the memory", p)
	}
}
