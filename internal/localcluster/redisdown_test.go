package localcluster_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/store"
)

// TestRedisDownFailsClosed: with Redis stopped, limited calls answer 503
// SYSTEM on every replica and through the balancer, never 200; once Redis
// is back, the same replicas (no restart) serve again.
func TestRedisDownFailsClosed(t *testing.T) {
	requireTools(t)
	c := startCluster(t, filepath.Join(t.TempDir(), "down"))
	a := account(t, c, store.Limits{})
	post := a.PostBody(1, 1)
	if got := call(t, a, "POST", c.URL+"/rt-segment", post); got.status != 200 {
		t.Fatalf("before: %d %s", got.status, got.raw)
	}
	pids := servers(c.Running())

	if err := c.StopRedis(); err != nil {
		t.Fatal(err)
	}
	calls := []struct{ method, path string }{
		{"POST", "/rt-segment"}, {"GET", "/rt-segment?user_id=1"}, {"GET", "/rt-segment-processed"},
	}
	bases := append([]string{c.URL}, c.Replicas...)
	for i, base := range bases {
		via := "balancer"
		if i > 0 {
			via = fmt.Sprintf("replica%d", i)
		}
		for _, k := range calls {
			t.Run(fmt.Sprintf("%s %s via %s", k.method, k.path, via), func(t *testing.T) {
				var body []byte
				if k.method == "POST" {
					body = post
				}
				got := call(t, a, k.method, base+k.path, body)
				r := got.response()
				if got.status != 503 || r["error_id"] != "SYSTEM" ||
					r["error_code"] != "SERVICE_UNAVAILABLE" ||
					got.header.Get("Retry-After") == "" {
					t.Fatalf("with Redis down: %d %s", got.status, got.raw)
				}
			})
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.StartRedis(ctx); err != nil {
		t.Fatal(err)
	}
	took, err := within(20*time.Second, func() error {
		for _, base := range bases {
			if got := call(t, a, "POST", base+"/rt-segment", post); got.status != 200 {
				return fmt.Errorf("%s: %d %s", base, got.status, got.raw)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("served again %v after Redis was back", took.Round(100*time.Millisecond))
	if now := servers(c.Running()); fmt.Sprint(now) != fmt.Sprint(pids) {
		t.Fatalf("replicas or balancer changed: %v, then %v", pids, now)
	}
}

// servers drops redis from a list of running processes: what must have
// stayed up through the outage.
func servers(running []string) []string {
	var out []string
	for _, p := range running {
		if !strings.HasPrefix(p, "redis ") {
			out = append(out, p)
		}
	}
	return out
}
