package limits_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/instant-audience/audience/internal/limits"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// BenchmarkLimiter measures what the limiter adds to a call: one Take
// against a real redis-server on loopback, the script already loaded.
// Serial, ns/op is the latency a request waits for its decision; parallel,
// it is the cost per decision when many requests ask at once.
//
//	go test -run '^$' -bench Limiter ./internal/limits/
func BenchmarkLimiter(b *testing.B) {
	srv := testredis.StartSingle(b)
	lim := limits.New(store.New(srv.Client(), ""), limits.Config{})
	ctx := context.Background()

	// The round trip alone, for scale: what no store call can go below.
	b.Run("ping", func(b *testing.B) {
		for b.Loop() {
			if err := srv.Client().Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serial", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			// A limit no run reaches: every decision is a full one, an
			// allowed call that writes the bucket back.
			if _, err := lim.Take(ctx, int64(i%64), limits.Posts, limits.MaxPerSec, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var member atomic.Int64
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			m := member.Add(1)
			for pb.Next() {
				if _, err := lim.Take(ctx, m, limits.Gets, limits.MaxPerSec, 1); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
