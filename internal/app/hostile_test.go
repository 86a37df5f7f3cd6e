package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/hostile"
)

// The server of the hostile-input tests runs through Run, with the HTTP
// bounds of the real server (httptest's server has none), kept short so
// that slow clients cost seconds.
const (
	hostileHeaderTimeout  = time.Second
	hostileReadTimeout    = 2 * time.Second
	hostileRequestTimeout = time.Second
)

// realServer runs the service through Run on a free port, on the
// embedded store, and returns its base URL and its logs. It stops when
// the test ends.
func realServer(t *testing.T) (string, *lockedWriter) {
	t.Helper()
	cfg := testConfig("")
	cfg.ReadHeaderTimeout = hostileHeaderTimeout
	cfg.ReadTimeout = hostileReadTimeout
	cfg.RequestTimeout = hostileRequestTimeout
	cfg.WriteTimeout = 5 * time.Second
	cfg.IdleTimeout = 5 * time.Second
	cfg.MaxHeaderBytes = 64 << 10
	logs := &lockedWriter{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	ran := make(chan error, 1)
	go func() { ran <- Run(ctx, cfg, log, ready) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Error("the server did not stop")
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr, logs
	case err := <-ran:
		t.Fatalf("Run: %v", err)
	}
	return "", nil
}

// TestHostileInput sends the corpus of package hostile to a real server
// and checks each answer against the contract: the status, the envelope
// and its error_id, and for a 200 the users applied or the warning
// wanted. No answer is a 5xx, and the server is whole after it all.
//
//	go test -run 'TestHostileInput|TestSlowClients' -v ./internal/app/
func TestHostileInput(t *testing.T) {
	base, logs := realServer(t)
	addr := strings.TrimPrefix(base, "http://")
	client := &http.Client{Timeout: 10 * time.Second}
	token := loginAt(t, client, base)
	cases := hostile.Cases()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if err := tc.Send(client, base, token); err != nil {
				t.Fatal(err)
			}
		})
	}
	raws := hostile.Raws()
	for _, r := range raws {
		t.Run("raw: "+r.Name, func(t *testing.T) {
			resp, raw, err := hostile.SendRaw(addr, r, 10*time.Second)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			wantEnvelope(t, resp, raw, r.Status)
		})
	}

	wantWhole(t, client, base, token)
	if strings.Contains(logs.String(), token) {
		t.Fatal("the token reached the logs")
	}
	t.Logf("%d requests and %d raw requests answered as the contract says", len(cases),
		len(raws))
}

// wantEnvelope checks an answer's status and that it is the contract's
// JSON envelope.
func wantEnvelope(t *testing.T, resp *http.Response, raw []byte, status int) {
	t.Helper()
	var body struct {
		Response map[string]any `json:"response"`
	}
	if resp.StatusCode != status || json.Unmarshal(raw, &body) != nil || body.Response == nil {
		t.Fatalf("%d %.300s, want %d and the JSON envelope", resp.StatusCode, raw, status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
}

// wantWhole checks that the server is ready and applies a good POST.
func wantWhole(t *testing.T, client *http.Client, base, token string) {
	t.Helper()
	resp, err := client.Get(base + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("POST", base+"/rt-segment", strings.NewReader(oneMembership))
	req.Header.Set("Authorization", token)
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a good POST: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestSlowClients: a client that sends its headers slowly is cut off at
// the header timeout, one that sends its body slowly at the read timeout,
// each without a 5xx; a body slower than the request timeout but within
// the read timeout is applied, since the store's bound starts once the
// body is read; and 200 slowloris connections at once neither keep a
// normal client waiting nor leave goroutines behind.
func TestSlowClients(t *testing.T) {
	base, _ := realServer(t)
	addr := strings.TrimPrefix(base, "http://")
	client := &http.Client{Timeout: 10 * time.Second}
	token := loginAt(t, client, base)
	slack := time.Second

	t.Run("slow headers", func(t *testing.T) {
		t.Parallel()
		got, err := hostile.SlowHeaders(addr, 100*time.Millisecond, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("closed after %v, %d bytes sent, status %d", got.Held.Round(time.Millisecond),
			got.Sent, got.Status)
		if got.Status >= 500 || got.Held > hostileHeaderTimeout+slack {
			t.Fatalf("held %v, answered %d: want a close at the header timeout %v",
				got.Held, got.Status, hostileHeaderTimeout)
		}
	})
	t.Run("body slower than the read timeout", func(t *testing.T) {
		t.Parallel()
		got, err := hostile.SlowBody(addr, "/rt-segment", token, []byte(oneMembership), 40,
			100*time.Millisecond, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("ended after %v, %d bytes sent, status %d %s", got.Held.Round(time.Millisecond),
			got.Sent, got.Status, got.Body)
		if got.Status >= 500 || got.Status == http.StatusOK ||
			got.Held > hostileReadTimeout+slack {
			t.Fatalf("held %v, answered %d: want the read timeout %v to end it", got.Held,
				got.Status, hostileReadTimeout)
		}
		if strings.Contains(string(got.Body), "127.0.0.1") {
			t.Fatalf("the answer names addresses: %s", got.Body)
		}
	})
	t.Run("body slower than the request timeout", func(t *testing.T) {
		t.Parallel()
		got, err := hostile.SlowBody(addr, "/rt-segment", token, []byte(oneMembership), 15,
			100*time.Millisecond, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("answered %d after %v", got.Status, got.Held.Round(time.Millisecond))
		if got.Status != http.StatusOK || got.Held < hostileRequestTimeout {
			t.Fatalf("%d after %v: want 200 after more than the request timeout %v: %s",
				got.Status, got.Held, hostileRequestTimeout, got.Body)
		}
	})
	t.Run("200 at once", func(t *testing.T) {
		t.Parallel()
		before := runtime.NumGoroutine()
		done := make(chan time.Duration, 200)
		for range 200 {
			go func() {
				got, _ := hostile.SlowHeaders(addr, 200*time.Millisecond, 10*time.Second)
				done <- got.Held
			}()
		}
		time.Sleep(300 * time.Millisecond)
		began := time.Now()
		wantWhole(t, client, base, token)
		served := time.Since(began)
		var longest time.Duration
		for range 200 {
			longest = max(longest, <-done)
		}
		settled, ok := waitGoroutines(before+10, 5*time.Second)
		t.Logf("a normal client served in %v among 200 slowloris connections, all cut"+
			" within %v; goroutines %d before, back to %d", served.Round(time.Millisecond),
			longest.Round(time.Millisecond), before, settled)
		if served > time.Second || longest > hostileHeaderTimeout+slack || !ok {
			t.Fatal("slow clients held the server up")
		}
	})
}

// waitGoroutines waits until at most n goroutines run, or limit passes,
// and returns the last count.
func waitGoroutines(n int, limit time.Duration) (int, bool) {
	end := time.Now().Add(limit)
	for {
		got := runtime.NumGoroutine()
		if got <= n {
			return got, true
		}
		if time.Now().After(end) {
			return got, false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
