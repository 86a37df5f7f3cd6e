package ackcheck

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Acked is the number of POSTs acknowledged.
func (r *Run) Acked() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Acked {
			n++
		}
	}
	return n
}

// Failed returns the POSTs that were not acknowledged: answered with
// another status than 200, not answered, or a 200 that left users out.
func (r *Run) Failed() []Outcome {
	var out []Outcome
	for _, o := range r.Outcomes {
		if !o.Acked {
			out = append(out, o)
		}
	}
	return out
}

// Statuses counts the answers by status; 0 counts POSTs without one.
func (r *Run) Statuses() map[int]int {
	m := map[int]int{}
	for _, o := range r.Outcomes {
		m[o.Status]++
	}
	return m
}

// StatusLine lists the answers by status, as "200:980 503:20".
func (r *Run) StatusLine() string {
	m := r.Statuses()
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "no answer"
		}
		parts[i] = fmt.Sprintf("%s:%d", name, m[c])
	}
	return strings.Join(parts, " ")
}

// ErrorWindow runs from the sending of the first POST that failed to the
// answer of the first acknowledged POST sent after the last one that
// failed; zero when none failed. A window that never closed runs to the
// end of the last answer.
func (r *Run) ErrorWindow() time.Duration {
	first, last := -1, -1
	for i, o := range r.Outcomes {
		if !o.Acked {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0
	}
	end := r.Outcomes[last].End()
	for _, o := range r.Outcomes[last+1:] {
		if o.Acked {
			end = o.End()
			break
		}
	}
	return end.Sub(r.Outcomes[first].Sent)
}

// RecoveredAt is when the first POST sent after t, from which on every
// POST was acknowledged, got its answer; zero when the run never got
// there.
func (r *Run) RecoveredAt(t time.Time) time.Time {
	var at time.Time
	for _, o := range r.Outcomes {
		if o.Sent.Before(t) {
			continue
		}
		switch {
		case !o.Acked:
			at = time.Time{}
		case at.IsZero():
			at = o.End()
		}
	}
	return at
}

// FailedBetween returns the POSTs that failed and were sent in [from, to).
func (r *Run) FailedBetween(from, to time.Time) []Outcome {
	var out []Outcome
	for _, o := range r.Failed() {
		if !o.Sent.Before(from) && o.Sent.Before(to) {
			out = append(out, o)
		}
	}
	return out
}

// Slowest is the longest any POST took.
func (r *Run) Slowest() time.Duration {
	var d time.Duration
	for _, o := range r.Outcomes {
		d = max(d, o.Latency)
	}
	return d
}

// Summary is one line on the run: POSTs, acknowledged, by status, error
// window and the slowest answer.
func (r *Run) Summary() string {
	return fmt.Sprintf("%d POSTs, %d acknowledged (%s), error window %v, slowest %v",
		len(r.Outcomes), r.Acked(), r.StatusLine(), r.ErrorWindow().Round(time.Millisecond),
		r.Slowest().Round(time.Millisecond))
}
