package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown follows a SIGTERM through Run: /readyz fails at
// once while requests are still served during the drain delay, a request
// in flight finishes with its answer, a new connection after the drain is
// refused, and Run returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	const drain = 600 * time.Millisecond
	cfg := testConfig("")
	cfg.DrainDelay = drain
	logs := &lockedWriter{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	ctx, sigterm := context.WithCancel(context.Background())
	defer sigterm()
	ready := make(chan string, 1)
	ran := make(chan error, 1)
	go func() { ran <- Run(ctx, cfg, log, ready) }()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-ran:
		t.Fatalf("Run: %v", err)
	}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true},
		Timeout: 5 * time.Second}

	token := loginAt(t, fresh, base)

	// A POST whose body arrives slowly is in flight when SIGTERM comes.
	body, send := io.Pipe()
	inFlight := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/rt-segment", body)
		req.Header.Set("Authorization", token)
		resp, err := fresh.Do(req)
		if err != nil {
			t.Errorf("the request in flight failed: %v", err)
			close(inFlight)
			return
		}
		inFlight <- resp
	}()
	const payload = `{"rt_segment":[{"user_id":"77","seg_block":[{"seg_id":10001,"value":3}]}]}`
	if _, err := send.Write([]byte(payload[:20])); err != nil {
		t.Fatal(err)
	}

	sigterm()
	began := time.Now()
	waitUntil(t, time.Second, "/readyz to fail", func() bool {
		resp, err := fresh.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 503
	})
	// Still serving during the drain: a balancer may send until it sees
	// the failing check.
	if resp, err := fresh.Get(base + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz during the drain: %v %v", resp, err)
	}

	time.Sleep(drain - time.Since(began) + 200*time.Millisecond)
	if resp, err := fresh.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatalf("a new connection after the drain was answered %d", resp.StatusCode)
	} else if !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a new connection after the drain: %v, want refused", err)
	}

	if _, err := send.Write([]byte(payload[20:])); err != nil {
		t.Fatal(err)
	}
	send.Close()
	resp, ok := <-inFlight
	if !ok {
		t.FailNow()
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), `"users_in_request":1`) {
		t.Fatalf("the request in flight got %d %s", resp.StatusCode, raw)
	}

	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run after SIGTERM: %v", err)
		}
	case <-time.After(cfg.ShutdownTimeout):
		t.Fatal("Run did not return after the request in flight finished")
	}
	out := logs.String()
	for _, want := range []string{"draining", "shutting down", "stopped"} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in the shutdown logs:\n%s", want, out)
		}
	}
}

// loginAt logs the demo user in on the server at base.
func loginAt(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	resp, err := c.Post(base+"/auth", "application/json",
		strings.NewReader(`{"auth":{"username":"demo","password":"demo"}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		Response struct{ Token string } `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.Response.Token == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return a.Response.Token
}
