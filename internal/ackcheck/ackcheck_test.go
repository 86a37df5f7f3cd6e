package ackcheck_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/ackcheck"
	"github.com/instant-audience/audience/internal/app"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
)

// leaky is a fake service that keeps memberships in memory, loses every
// loseEvery-th user it acknowledges, and answers 503 to every
// failEvery-th POST after applying it.
type leaky struct {
	loseEvery, failEvery int

	mu    sync.Mutex
	posts int
	users int
	kept  map[string]map[int64]int64
	lost  int
}

type postBody struct {
	RTSegment []struct {
		UserID   string `json:"user_id"`
		SegBlock []struct {
			SegID int64 `json:"seg_id"`
			Value int64 `json:"value"`
		} `json:"seg_block"`
	} `json:"rt_segment"`
}

func (l *leaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Method == http.MethodGet {
		var segs []map[string]int64
		for seg, v := range l.kept[r.URL.Query().Get("user_id")] {
			segs = append(segs, map[string]int64{"seg_id": seg, "value": v})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"response": map[string]any{
			"status": "OK", "segments": segs}})
		return
	}
	var body postBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	l.posts++
	fail := l.posts%l.failEvery == 0
	for _, e := range body.RTSegment {
		l.users++
		if !fail && l.users%l.loseEvery == 0 {
			l.lost++
			continue
		}
		if l.kept[e.UserID] == nil {
			l.kept[e.UserID] = map[int64]int64{}
		}
		for _, b := range e.SegBlock {
			l.kept[e.UserID][b.SegID] = b.Value
		}
	}
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, `{"response":{"status":"OK","message":{"users_in_request":%d,`+
		`"segments_in_request":%d},"warnings":[]}}`, len(body.RTSegment), len(body.RTSegment))
}

// TestVerifyFindsLoss: against a service that loses some of what it
// acknowledges, the checker counts exactly those, and tells them from
// the work of POSTs answered 503.
func TestVerifyFindsLoss(t *testing.T) {
	l := &leaky{loseEvery: 7, failEvery: 5, kept: map[string]map[int64]int64{}}
	srv := httptest.NewServer(l)
	defer srv.Close()

	acct := scenario.Account{Token: "t", Segments: []int64{11, 12}}
	running, err := ackcheck.Config{Base: srv.URL, Account: acct, Rate: 200,
		Duration: 500 * time.Millisecond, UsersPerPost: 3}.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	run := running.Wait()
	if len(run.Outcomes) != 100 {
		t.Fatalf("%d POSTs, want 100", len(run.Outcomes))
	}
	rep, err := run.Verify(context.Background(), nil, []string{srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)
	if rep.Lost != l.lost || rep.Lost == 0 {
		t.Fatalf("lost %d, the service dropped %d", rep.Lost, l.lost)
	}
	if rep.Acked != 80*3 || rep.Unacked != 20*3 || rep.UnackedFound != 20*3 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Unreadable != 0 || len(rep.LostSample) == 0 {
		t.Fatalf("report %+v", rep)
	}
	if got := run.Statuses(); got[200] != 80 || got[503] != 20 {
		t.Fatalf("statuses %v", got)
	}
}

// TestVerifyOnTheService: a run through the service in-process, on its
// embedded store, loses nothing and reads every membership back.
func TestVerifyOnTheService(t *testing.T) {
	ctx := context.Background()
	svc, err := app.BuildForTests(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	srv := httptest.NewServer(svc.API.Handler())
	defer srv.Close()
	accounts, err := scenario.Provision(ctx, svc.Store, scenario.Spec{Members: 1,
		Segments: 3, Limits: scenario.Unlimited})
	if err != nil {
		t.Fatal(err)
	}
	acct := accounts[0]
	if err := acct.Login(ctx, http.DefaultClient, srv.URL); err != nil {
		t.Fatal(err)
	}

	running, err := ackcheck.Config{Base: srv.URL, Account: acct, Rate: 100,
		Duration: time.Second}.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run := running.Wait()
	rep, err := run.Verify(ctx, nil, []string{srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(run.Summary())
	t.Log(rep)
	if run.Acked() != 100 || rep.Acked != 100*ackcheck.DefaultUsersPerPost || rep.Lost != 0 ||
		rep.Unreadable != 0 {
		t.Fatalf("%s; %s", run.Summary(), rep)
	}
}

// TestWindows: the error window and the recovery time, on outcomes made
// up for the purpose.
func TestWindows(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	mk := func(acks ...bool) *ackcheck.Run {
		r := &ackcheck.Run{}
		for i, ok := range acks {
			status := 200
			if !ok {
				status = 503
			}
			r.Outcomes = append(r.Outcomes, ackcheck.Outcome{Seq: i, Sent: at(100 * i),
				Latency: 10 * time.Millisecond, Status: status, Acked: ok})
		}
		return r
	}
	tests := []struct {
		name      string
		run       *ackcheck.Run
		window    time.Duration
		recovered time.Time // after t0
		failed    int       // sent in [200ms, 400ms)
	}{
		{name: "no failure", run: mk(true, true, true), recovered: at(10)},
		{name: "one gap", run: mk(true, false, false, true, true),
			window: 210 * time.Millisecond, recovered: at(310), failed: 1},
		{name: "two gaps", run: mk(false, true, false, true),
			window: 310 * time.Millisecond, recovered: at(310), failed: 1},
		{name: "never closed", run: mk(true, false, false),
			window: 110 * time.Millisecond, failed: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.run.ErrorWindow(); got != tc.window {
				t.Errorf("window %v, want %v", got, tc.window)
			}
			if got := tc.run.RecoveredAt(t0); !got.Equal(tc.recovered) {
				t.Errorf("recovered at %v, want %v", got, tc.recovered)
			}
			if got := len(tc.run.FailedBetween(at(200), at(400))); got != tc.failed {
				t.Errorf("%d failed in the range, want %d", got, tc.failed)
			}
		})
	}
}
