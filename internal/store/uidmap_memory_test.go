package store_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// TestMemoryPerUIDMapping measures Redis memory per mapping of 100,000
// mappings of one member (36-character external ids, 19-digit user ids,
// a 30-day lifetime) as the used_memory delta, in three layouts:
//
//   - buckets filled as those of a member with 6.5 million mappings (98
//     a bucket), the case the layout is made for;
//   - the default 65536 buckets (1.5 a bucket): a member this small pays
//     the per-key overhead;
//   - for reference, a key per mapping with its own TTL, the layout the
//     buckets replace.
//
// It holds the first to at most 90 bytes and to at most 60% of the last.
//
//	go test -run TestMemoryPerUIDMapping -v ./internal/store/
func TestMemoryPerUIDMapping(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 300,000 mappings to real redis-servers")
	}
	testredis.Require(t)
	const n = 100_000
	const ttl = 30 * day
	ctx := context.Background()
	extID := func(i int) string {
		return fmt.Sprintf("%08x-1b2c-4d5e-8f90-%012x", uint32(i)*2654435761, i)
	}
	userID := func(i int) string {
		return strconv.FormatUint(4_000_000_000_000_000_000+uint64(i)*7919, 10)
	}

	measure := func(name string, write func(rdb *redis.Client, lo, hi int)) float64 {
		rdb := testredis.StartSingle(t).Client()
		before := usedMemory(t, rdb.Info(ctx, "memory").Val())
		for lo := 0; lo < n; lo += 1000 {
			write(rdb, lo, lo+1000)
		}
		after := usedMemory(t, rdb.Info(ctx, "memory").Val())
		per := float64(after-before) / n
		keys := rdb.DBSize(ctx).Val()
		t.Logf("%s: %d keys, %d bytes, %.1f bytes per mapping", name, keys, after-before, per)
		fmt.Printf("redis bytes per uid mapping, %s: %.1f\n", name, per)
		return per
	}
	buckets := func(count uint32) func(rdb *redis.Client, lo, hi int) {
		return func(rdb *redis.Client, lo, hi int) {
			st := store.New(rdb, "")
			if count != 0 {
				store.SetUIDBuckets(st, count)
			}
			ms := make([]store.UIDMapping, 0, hi-lo)
			for i := lo; i < hi; i++ {
				ms = append(ms, store.UIDMapping{ExternalID: extID(i), UserID: userID(i)})
			}
			if err := st.MapUIDs(ctx, 1001, ms, ttl); err != nil {
				t.Fatal(err)
			}
		}
	}

	full := measure("98 per bucket", buckets(n/98))
	measure("default buckets", buckets(0))
	keyEach := measure("a key per mapping", func(rdb *redis.Client, lo, hi int) {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := lo; i < hi; i++ {
				p.Set(ctx, "ia:x{1001:"+extID(i)+"}", userID(i), ttl)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	if full > 90 || full > 0.6*keyEach {
		t.Fatalf("%.1f bytes per mapping in full buckets, want at most 90 and at most 60%%"+
			" of a key per mapping (%.1f)", full, keyEach)
	}
}
