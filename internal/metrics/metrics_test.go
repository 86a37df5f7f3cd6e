package metrics

import (
	"context"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

// TestInjectedRegistries: two sets of metrics live side by side, each on
// its own registry, and a nil *Metrics records nothing without failing.
func TestInjectedRegistries(t *testing.T) {
	a, b := prometheus.NewRegistry(), prometheus.NewRegistry()
	ma, mb := New(a), New(b)
	ma.LimitDecision("post", false)
	ma.LimitDecision("post", true)
	mb.LimitDecision("users", false)

	if got := testutil.ToFloat64(ma.limits.WithLabelValues("post", "rejected")); got != 1 {
		t.Fatalf("a: %v rejected posts", got)
	}
	if n := testutil.CollectAndCount(mb.limits); n != 1 {
		t.Fatalf("b holds %d decision series, want 1", n)
	}

	var none *Metrics
	none.LimitDecision("post", true)
	none.Applied(1, 2, 3)
	none.Warnings("other", 1)
	none.RequestStarted()("/x", "GET", 200)
	none.storeOp("get", 0, true)
}

// TestRequestLabels: unknown routes and methods fold into fixed values.
func TestRequestLabels(t *testing.T) {
	tests := []struct {
		name, route, method string
		wantRoute, wantVerb string
	}{
		{name: "known", route: "/rt-segment", method: "POST", wantRoute: "/rt-segment",
			wantVerb: "POST"},
		{name: "no route", route: "", method: "GET", wantRoute: "unmatched", wantVerb: "GET"},
		{name: "made-up method", route: "", method: "BREW", wantRoute: "unmatched",
			wantVerb: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(prometheus.NewRegistry())
			m.RequestStarted()(tt.route, tt.method, 404)
			c := m.requests.WithLabelValues(tt.wantRoute, tt.wantVerb, "404")
			if got := testutil.ToFloat64(c); got != 1 {
				t.Fatalf("count %v under route %q method %q", got, tt.wantRoute, tt.wantVerb)
			}
			if got := testutil.ToFloat64(m.inFlight); got != 0 {
				t.Fatalf("%v in flight after the end", got)
			}
		})
	}
}

// TestStoreHookAndPool: commands and pipelines are timed, failures are
// counted, a missing key is not a failure, and the pool is reported.
func TestStoreHookAndPool(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	defer rdb.Close()
	reg := prometheus.NewRegistry()
	m := New(reg)
	rdb.AddHook(m.StoreHook())
	if err := RegisterPool(reg, rdb); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	rdb.Get(ctx, "missing")
	rdb.Set(ctx, "k", "v", 0)
	rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "k")
		return nil
	})
	mr.SetError("broken")
	rdb.Get(ctx, "k")

	if got := testutil.ToFloat64(m.storeErrors.WithLabelValues("get")); got != 1 {
		t.Fatalf("%v failed gets, want 1 (a missing key is no failure)", got)
	}
	if n := testutil.CollectAndCount(m.storeLatency); n < 3 {
		t.Fatalf("%d latency series, want get, set and pipeline", n)
	}
	want := `
# HELP audience_redis_pool_connections Connections open to Redis.
# TYPE audience_redis_pool_connections gauge
audience_redis_pool_connections 1
`
	err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"audience_redis_pool_connections")
	if err != nil {
		t.Fatal(err)
	}
}
