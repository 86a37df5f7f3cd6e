package loadgen_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
)

// server answers every request with its own status and body, after an
// optional wait, and keeps count of the requests it holds at once.
type server struct {
	wait     time.Duration
	inFlight atomic.Int64
	most     atomic.Int64
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for m := s.most.Load(); n > m && !s.most.CompareAndSwap(m, n); m = s.most.Load() {
	}
	time.Sleep(s.wait)
	i, _ := strconv.Atoi(r.URL.Query().Get("i"))
	w.Header().Set("X-Half", strconv.Itoa(i%2))
	if i%10 == 9 {
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	_, _ = w.Write([]byte("3"))
}

func start(t *testing.T, s *server) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(base string) func(ctx context.Context, i int) (*http.Request, error) {
	return func(ctx context.Context, i int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, base+"/?i="+strconv.Itoa(i), nil)
	}
}

func measure(body []byte) int {
	n, _ := strconv.Atoi(string(body))
	return n
}

func TestOpenModel(t *testing.T) {
	base := start(t, &server{})
	seen := map[int]bool{}
	var mu sync.Mutex
	tally := loadgen.Offer{
		Rate: 200, Duration: 500 * time.Millisecond, New: get(base), Measure: measure,
		CountHeader: "X-Half",
		Observe: func(a loadgen.Answer) {
			mu.Lock()
			defer mu.Unlock()
			if seen[a.Seq] {
				t.Errorf("request %d observed twice", a.Seq)
			}
			seen[a.Seq] = true
		},
	}.Run(context.Background())

	if tally.Sent != 100 || tally.Answered() != 100 || tally.Failed != 0 {
		t.Fatalf("sent %d, answered %d, failed %d; want 100, 100, 0",
			tally.Sent, tally.Answered(), tally.Failed)
	}
	if tally.Status[200] != 90 || tally.Status[429] != 10 || tally.OK() != 90 {
		t.Errorf("statuses %v, want 90 × 200 and 10 × 429", tally.Status)
	}
	if tally.Measured != 270 {
		t.Errorf("measured %d, want 3 per 200 answer, 270", tally.Measured)
	}
	if tally.ByHeader["0"] != 50 || tally.ByHeader["1"] != 50 {
		t.Errorf("by header %v, want 50 and 50", tally.ByHeader)
	}
	if len(seen) != 100 {
		t.Errorf("observed %d distinct requests, want 100", len(seen))
	}
	// The last request leaves at 495 ms: a run much faster than that did
	// not keep the schedule.
	if tally.Elapsed < 490*time.Millisecond || tally.Elapsed > 2*time.Second {
		t.Errorf("elapsed %v for 100 requests at 200/s", tally.Elapsed)
	}
	if tally.PerSecond() < 50 || tally.PerSecond() > 210 {
		t.Errorf("%.1f answers/s offered at 200/s", tally.PerSecond())
	}
}

// A server slower than the schedule with few requests allowed in flight
// makes the schedule slip, and MaxLag shows it.
func TestOpenModelInFlightBound(t *testing.T) {
	s := &server{wait: 50 * time.Millisecond}
	base := start(t, s)
	tally := loadgen.Offer{Rate: 200, Duration: 200 * time.Millisecond, Workers: 2,
		New: get(base)}.Run(context.Background())

	if got := s.most.Load(); got > 2 {
		t.Errorf("the server held %d requests at once, want at most 2", got)
	}
	// 40 requests two at a time, 50 ms each: the last leaves about
	// 950 ms after its time.
	if tally.MaxLag < 500*time.Millisecond {
		t.Errorf("max lag %v, want the schedule to slip by most of a second", tally.MaxLag)
	}
	if tally.Sent != 40 {
		t.Errorf("sent %d, want 40", tally.Sent)
	}
}

func TestClosedModel(t *testing.T) {
	s := &server{wait: 5 * time.Millisecond}
	base := start(t, s)
	tally := loadgen.Offer{Workers: 4, Requests: 60, Duration: 10 * time.Second,
		New: get(base)}.Run(context.Background())

	if tally.Sent != 60 || tally.Answered() != 60 {
		t.Fatalf("sent %d, answered %d, want 60 each", tally.Sent, tally.Answered())
	}
	if got := s.most.Load(); got != 4 {
		t.Errorf("the server held at most %d requests at once, want the 4 workers", got)
	}
	if tally.MaxLag != 0 {
		t.Errorf("max lag %v in the closed model", tally.MaxLag)
	}
}

func TestClosedModelStopsAtDuration(t *testing.T) {
	base := start(t, &server{wait: 10 * time.Millisecond})
	began := time.Now()
	tally := loadgen.Offer{Workers: 2, Duration: 200 * time.Millisecond,
		New: get(base)}.Run(context.Background())
	if took := time.Since(began); took > time.Second {
		t.Errorf("a 200 ms run took %v", took)
	}
	// Two clients, 10 ms a request: about 40 requests in 200 ms.
	if tally.Sent < 10 || tally.Sent > 42 {
		t.Errorf("sent %d in 200 ms with 2 workers at 10 ms each", tally.Sent)
	}
}

func TestFailures(t *testing.T) {
	srv := httptest.NewServer(&server{})
	base := srv.URL
	srv.Close()
	tally := loadgen.Offer{Rate: 100, Duration: 100 * time.Millisecond,
		New: get(base)}.Run(context.Background())
	if tally.Failed != tally.Sent || tally.Sent != 10 || len(tally.Errors) == 0 {
		t.Errorf("sent %d, failed %d, errors %q: want 10 failures with their reason",
			tally.Sent, tally.Failed, tally.Errors)
	}
	if tally.Answered() != 0 || tally.Quantile(0.99) != 0 {
		t.Errorf("failures counted as answers: %v", tally)
	}
}

func TestNewErrorStops(t *testing.T) {
	base := start(t, &server{})
	broken := errors.New("no such request")
	tally := loadgen.Offer{Rate: 1000, Duration: 5 * time.Second,
		New: func(ctx context.Context, i int) (*http.Request, error) {
			if i == 3 {
				return nil, broken
			}
			return get(base)(ctx, i)
		}}.Run(context.Background())
	if tally.Sent > 50 || tally.Failed == 0 {
		t.Errorf("sent %d, failed %d: a request that cannot be built must end the run",
			tally.Sent, tally.Failed)
	}
}

func TestCancel(t *testing.T) {
	base := start(t, &server{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	loadgen.Offer{Rate: 100, Duration: time.Minute, New: get(base)}.Run(ctx)
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("a run cancelled after 100 ms returned after %v", took)
	}
}

func TestQuantile(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond
	}
	tally := loadgen.Tally{Latency: lat}
	tests := []struct {
		name string
		q    float64
		want time.Duration
	}{
		{name: "median", q: 0.5, want: 50 * time.Millisecond},
		{name: "p90", q: 0.9, want: 90 * time.Millisecond},
		{name: "p99", q: 0.99, want: 99 * time.Millisecond},
		{name: "max", q: 1, want: 100 * time.Millisecond},
		{name: "min", q: 0, want: time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tally.Quantile(tt.q); got != tt.want {
				t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
	if got := (loadgen.Tally{}).Quantile(0.5); got != 0 {
		t.Errorf("quantile of no answers = %v, want 0", got)
	}
}

func TestMerge(t *testing.T) {
	a := loadgen.Tally{Sent: 3, Status: map[int]int{200: 2}, Failed: 1, Measured: 4,
		Errors: []string{"refused"}, MaxLag: time.Millisecond, Elapsed: time.Second,
		Latency: []time.Duration{1, 5}}
	b := loadgen.Tally{Sent: 2, Status: map[int]int{200: 1, 429: 1}, Measured: 1,
		ByHeader: map[string]int{"r1": 2}, MaxLag: 3 * time.Millisecond, Elapsed: time.Second,
		Latency: []time.Duration{2, 9}}
	var sum loadgen.Tally
	sum.Merge(a)
	sum.Merge(b)
	if sum.Sent != 5 || sum.Failed != 1 || sum.Measured != 5 || sum.Status[200] != 3 ||
		sum.Status[429] != 1 || sum.ByHeader["r1"] != 2 || sum.MaxLag != 3*time.Millisecond ||
		sum.Elapsed != 2*time.Second || len(sum.Errors) != 1 {
		t.Fatalf("merged %+v", sum)
	}
	if want := []time.Duration{1, 2, 5, 9}; !slices.Equal(sum.Latency, want) {
		t.Errorf("latencies %v, want %v, sorted", sum.Latency, want)
	}
}

func TestKinds(t *testing.T) {
	base := start(t, &server{})
	tally := loadgen.Offer{Rate: 400, Duration: 100 * time.Millisecond, New: get(base),
		Measure: measure,
		Kind: func(i int) string {
			if i%4 == 0 {
				return "quarter"
			}
			return "rest"
		}}.Run(context.Background())
	q, r := tally.Kinds["quarter"], tally.Kinds["rest"]
	if q.Sent != 10 || r.Sent != 30 || len(tally.Kinds) != 2 {
		t.Fatalf("kinds %v: want 10 quarter and 30 rest", tally.Kinds)
	}
	// Requests 9, 19, 29 and 39 are answered 429, none of them a
	// multiple of 4.
	if q.Status[200] != 10 || r.Status[429] != 4 || q.Measured != 30 {
		t.Errorf("quarter %v measured %d, rest %v", q.Status, q.Measured, r.Status)
	}
	if q.Elapsed != tally.Elapsed || len(q.Latency) != 10 {
		t.Errorf("a kind's tally has elapsed %v (run %v) and %d latencies", q.Elapsed,
			tally.Elapsed, len(q.Latency))
	}
}
