package faults_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/hostile"
	"github.com/instant-audience/audience/internal/localcluster"
)

// Bounds of the slow clients through the balancer: haproxy's timeout
// http-request (internal/localcluster) and the replicas' read timeout
// (replicaEnv).
const (
	balancerHeaderTimeout = 5 * time.Second
	replicaReadTimeout    = 5 * time.Second
)

// TestHostileThroughBalancer sends the hostile corpus (package hostile)
// through haproxy to three replicas. What a replica answers must be what
// the contract wants (as TestHostileInput checks on one replica alone);
// what the balancer answers itself, a request it will not pass on, must
// not be a 5xx; slow clients are cut off; and afterwards every replica
// is still in the balancer and its goroutines back where they were.
//
//	make test-faults FAULTS=TestHostileThroughBalancer
func TestHostileThroughBalancer(t *testing.T) {
	c := mainCluster(t)
	addr := strings.TrimPrefix(c.URL, "http://")
	token := login(t, c.URL, "demo", "demo", nextClientAddr())
	if token == "" {
		t.Fatal("no demo login")
	}
	before := settledGauges(t, c, nil)
	// A connection each: after an early answer to a body still being
	// sent (a 413), the balancer closes the connection, and a client that
	// reused it would blame the next request.
	client := &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true}}

	byBalancer := map[int]int{}
	for _, tc := range hostile.Cases() {
		req, err := tc.Request(c.URL, token)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil && headerBytes(req) > balancerHeaderBuffer {
			// The balancer refuses headers past its buffer and closes the
			// connection, at times while the client is still writing
			// them: the client then sees a broken pipe, not the 400.
			byBalancer[0]++
			continue
		}
		if err != nil {
			t.Errorf("%s: no answer: %v", tc.Name, err)
			continue
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get(localcluster.ReplicaHeader) == "" {
			// The balancer's own answer.
			byBalancer[resp.StatusCode]++
			if resp.StatusCode >= 500 {
				t.Errorf("%s: the balancer answered %d", tc.Name, resp.StatusCode)
			}
			continue
		}
		if err := tc.Check(resp, raw); err != nil {
			t.Errorf("%s: %v", tc.Name, err)
		}
	}
	for _, r := range hostile.Raws() {
		resp, raw, err := hostile.SendRaw(addr, r, 30*time.Second)
		switch {
		case err != nil && strings.Contains(err.Error(), "timeout"):
			t.Errorf("raw %s: no answer and no close: %v", r.Name, err)
		case err != nil:
			byBalancer[0]++ // closed without an answer
		case resp.StatusCode >= 500:
			t.Errorf("raw %s: %d %.200s", r.Name, resp.StatusCode, raw)
		case resp.Header.Get(localcluster.ReplicaHeader) == "":
			byBalancer[resp.StatusCode]++
		}
	}
	t.Logf("%d requests and %d raw requests; the balancer answered these itself (status:"+
		" count, 0 a close): %v", len(hostile.Cases()), len(hostile.Raws()), byBalancer)

	slowClients(t, addr, token)
	if err := localcluster.WaitReplicas(t.Context(), c.URL, len(c.Replicas),
		10*time.Second); err != nil {
		t.Fatal(err)
	}
	settledGauges(t, c, before)
}

// slowClients sends 100 slow-header and 20 slow-body clients at once
// through the balancer, and fails the test if one is answered with a 5xx
// or held past its bound.
func slowClients(t *testing.T, addr, token string) {
	t.Helper()
	const slack = 2 * time.Second
	var mu sync.Mutex
	var worstHeaders, worstBody time.Duration
	statuses := map[string]map[int]int{"headers": {}, "body": {}}
	var wg sync.WaitGroup
	run := func(kind string, bound time.Duration, f func() (hostile.Slow, error)) {
		defer wg.Done()
		got, err := f()
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("slow %s: %v", kind, err)
			return
		}
		statuses[kind][got.Status]++
		if got.Status >= 500 || got.Held > bound+slack {
			t.Errorf("slow %s: %d after %v, bound %v", kind, got.Status, got.Held, bound)
		}
		if kind == "headers" {
			worstHeaders = max(worstHeaders, got.Held)
		} else {
			worstBody = max(worstBody, got.Held)
		}
	}
	body := []byte(hostile.OneMembership)
	for range 100 {
		wg.Add(1)
		go run("headers", balancerHeaderTimeout, func() (hostile.Slow, error) {
			return hostile.SlowHeaders(addr, 200*time.Millisecond, 30*time.Second)
		})
	}
	for range 20 {
		wg.Add(1)
		go run("body", replicaReadTimeout, func() (hostile.Slow, error) {
			return hostile.SlowBody(addr, "/rt-segment", token, body, len(body),
				200*time.Millisecond, 30*time.Second)
		})
	}
	wg.Wait()
	t.Logf("100 slow-header clients ended within %v (statuses %v); 20 slow-body clients"+
		" within %v (statuses %v)", worstHeaders.Round(time.Millisecond), statuses["headers"],
		worstBody.Round(time.Millisecond), statuses["body"])
}

// balancerHeaderBuffer is haproxy's default buffer for a request's
// headers (tune.bufsize, 16 KB), less room for its own additions.
const balancerHeaderBuffer = 15 << 10

// headerBytes is about what a request's first line and headers weigh.
func headerBytes(req *http.Request) int {
	n := len(req.URL.String())
	for k, vs := range req.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}
