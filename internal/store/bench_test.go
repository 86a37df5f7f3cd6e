package store_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// users1000 returns the writes of a 1000-user POST of 5 segments each,
// users first to first+999, as the POST handler hands them to the store.
func users1000(first uint64) []store.UserWrite {
	writes := make([]store.UserWrite, 1000)
	for i := range writes {
		changes := make([]store.Change, 5)
		for j := range changes {
			changes[j] = store.Change{SegID: int64(10001 + j), Value: 1, Minutes: 1440}
		}
		writes[i] = store.UserWrite{ID: strconv.FormatUint(first+uint64(i), 10), Changes: changes}
	}
	return writes
}

// BenchmarkApply1000Users measures the store's side of a full POST: 1000
// user entries of 5 memberships, each applied by one script call, all in
// one pipeline, with the member's statistics counted in it, against a
// real redis-server on loopback. Every call writes new users, as a bulk
// load does; "serial" is the latency of one POST's writes, "parallel"
// what a replica's concurrent POSTs get out of one Redis.
//
//	go test -run '^$' -bench Apply1000Users -benchmem ./internal/store/
func BenchmarkApply1000Users(b *testing.B) {
	st := store.New(testredis.StartSingle(b).Client(), "")
	ctx := context.Background()
	var next atomic.Uint64
	next.Store(1e18)
	apply := func(b *testing.B) {
		writes := users1000(next.Add(1000))
		usage := store.Usage{Member: 1001, At: time.Now(),
			Counts: store.UsageCounts{ValidUsers: 1000, ValidAdds: 5000}}
		if err := st.ApplyCounted(ctx, writes, &usage); err != nil {
			b.Fatal(err)
		}
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N)*5000/b.Elapsed().Seconds(), "memberships/s")
	}

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			apply(b)
		}
		report(b)
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				apply(b)
			}
		})
		report(b)
	})
}

// BenchmarkMemberships measures the store's side of GET /rt-segment: the
// store's clock and one user's hash of 5 memberships, in one round trip.
func BenchmarkMemberships(b *testing.B) {
	st := store.New(testredis.StartSingle(b).Client(), "")
	ctx := context.Background()
	if err := st.Apply(ctx, users1000(42)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		got, _, err := st.Memberships(ctx, "", strconv.Itoa(42+i%1000))
		if err != nil || len(got) != 5 {
			b.Fatalf("%d memberships, %v", len(got), err)
		}
	}
}
