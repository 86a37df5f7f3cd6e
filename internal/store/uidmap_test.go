package store_test

import (
	"context"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

const day = 24 * time.Hour

func mapUIDs(t *testing.T, st *store.Store, member int64, ttl time.Duration, pairs ...string) {
	t.Helper()
	ms := make([]store.UIDMapping, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		ms = append(ms, store.UIDMapping{ExternalID: pairs[i], UserID: pairs[i+1]})
	}
	if err := st.MapUIDs(context.Background(), member, ms, ttl); err != nil {
		t.Fatalf("map: %v", err)
	}
}

func resolve(t *testing.T, st *store.Store, member int64, ids ...string) map[string]string {
	t.Helper()
	got, err := st.ResolveUIDs(context.Background(), member, ids)
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	return got
}

func TestUIDMapping(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		mapUIDs(t, f.st, 1001, 30*day, "abc", "12345", "Zoë 7", "42", "x:y", "7")
		got := resolve(t, f.st, 1001, "abc", "ABC", "nobody", "Zoë 7", "x:y", "abc")
		want := map[string]string{"abc": "12345", "Zoë 7": "42", "x:y": "7"}
		if !maps.Equal(got, want) {
			t.Fatalf("resolved %v, want %v", got, want)
		}

		// Each member has its own mapping.
		if got := resolve(t, f.st, 1661, "abc"); len(got) != 0 {
			t.Fatalf("another member's mapping resolved: %v", got)
		}

		// Re-mapping moves the id to another user; of two mappings of
		// one id in a batch, the last wins.
		mapUIDs(t, f.st, 1001, 30*day, "abc", "99", "x:y", "1", "x:y", "2")
		want = map[string]string{"abc": "99", "Zoë 7": "42", "x:y": "2"}
		if got := resolve(t, f.st, 1001, "abc", "Zoë 7", "x:y"); !maps.Equal(got, want) {
			t.Fatalf("after re-mapping: %v, want %v", got, want)
		}

		// Scripts unknown to Redis are sent again.
		if err := f.rdb.ScriptFlush(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		mapUIDs(t, f.st, 1001, 30*day, "Zoë 7", "43")
		if got := resolve(t, f.st, 1001, "Zoë 7"); got["Zoë 7"] != "43" {
			t.Fatalf("after SCRIPT FLUSH: %v", got)
		}

		// Nothing to do is no error.
		if err := f.st.MapUIDs(context.Background(), 1001, nil, day); err != nil {
			t.Fatal(err)
		}
		if got := resolve(t, f.st, 1001); len(got) != 0 {
			t.Fatalf("resolved %v from no ids", got)
		}
	})
}

// TestUIDMappingBatches writes more pairs to one bucket than one script
// call takes, and resolves a thousand ids in one call.
func TestUIDMappingBatches(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		store.SetUIDBuckets(f.st, 3)
		const n = 2500
		pairs := make([]string, 0, 2*n)
		ids := make([]string, 0, n)
		for i := range n {
			id := "ext-" + strconv.Itoa(i)
			pairs = append(pairs, id, strconv.Itoa(1_000_000+i))
			ids = append(ids, id)
		}
		mapUIDs(t, f.st, 2001, day, pairs...)
		got := resolve(t, f.st, 2001, ids[:1000]...)
		if len(got) != 1000 {
			t.Fatalf("resolved %d of 1000", len(got))
		}
		for i, id := range ids[:1000] {
			if got[id] != strconv.Itoa(1_000_000+i) {
				t.Fatalf("%s resolved to %q", id, got[id])
			}
		}
		if got := resolve(t, f.st, 2001, ids[n-1]); got[ids[n-1]] != "1002499" {
			t.Fatalf("the last pair: %v", got)
		}
	})
}

// TestUIDMappingExpiryWithClock drives the clock of miniredis: mappings
// live their lifetime, re-mapping restarts it, expired ones are swept
// from a bucket that is written, and a bucket left alone is freed. The
// other backends have no clock to drive: TestUIDMappingRealExpiry waits.
func TestUIDMappingExpiryWithClock(t *testing.T) {
	mr := miniredis.RunT(t)
	now := time.Now()
	mr.SetTime(now)
	advance := func(d time.Duration) {
		now = now.Add(d)
		mr.SetTime(now)
		mr.FastForward(d)
	}
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb, "")
	store.SetUIDBuckets(st, 1)
	ctx := context.Background()
	const bucket = "ia:x{1001:0}"
	ttl := 32 * time.Minute // swept at most every minute

	mapUIDs(t, st, 1001, ttl, "a", "1", "b", "2", "c", "3")
	advance(31 * time.Minute)
	mapUIDs(t, st, 1001, ttl, "b", "20")
	if got := resolve(t, st, 1001, "a", "b", "c"); len(got) != 3 {
		t.Fatalf("before the lifetime ends: %v", got)
	}

	advance(90 * time.Second)
	want := map[string]string{"b": "20"}
	if got := resolve(t, st, 1001, "a", "b", "c"); !maps.Equal(got, want) {
		t.Fatalf("after the first lifetime: %v, want %v", got, want)
	}
	// The first write past the sweep time drops the expired ones: the
	// bucket keeps "b", "d" and its sweep time.
	mapUIDs(t, st, 1001, ttl, "d", "4")
	if n := rdb.HLen(ctx, bucket).Val(); n != 3 {
		t.Fatalf("%d fields after the sweep, want 3", n)
	}

	advance(33 * time.Minute)
	if got := resolve(t, st, 1001, "b", "d"); len(got) != 0 {
		t.Fatalf("after every lifetime: %v", got)
	}
	if n := rdb.Exists(ctx, bucket).Val(); n != 0 {
		t.Fatal("a bucket whose mappings all expired was not freed")
	}
}

// TestUIDMappingRealExpiry waits out three-second mappings on a real
// Redis: one expires on time while a re-mapped one lives on, and the
// bucket is freed by Redis once the last has expired. A mapping lives at
// least its lifetime and less than a second more (expiry is in whole
// seconds, rounded up), so each check waits for the latest moment its
// mapping can expire, measured from the end of its write, or stays
// before the earliest, measured from the start. It runs in parallel.
func TestUIDMappingRealExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("waits on a real redis-server")
	}
	testredis.Require(t)
	t.Parallel()
	rdb := testredis.StartSingle(t).Client()
	st := store.New(rdb, "")
	store.SetUIDBuckets(st, 1)
	ctx := context.Background()
	const ttl = 3 * time.Second

	mapUIDs(t, st, 1001, ttl, "a", "1", "b", "2")
	aWritten := time.Now()
	if got := resolve(t, st, 1001, "a", "b"); len(got) != 2 {
		t.Fatalf("just written: %v", got)
	}
	sleepUntil(aWritten.Add(2 * time.Second))
	bStart := time.Now()
	mapUIDs(t, st, 1001, ttl, "b", "3")
	bWritten := time.Now()

	sleepUntil(aWritten.Add(ttl + time.Second))
	if time.Since(bStart) >= ttl {
		t.Skip("the machine is too slow for the timing of this test")
	}
	want := map[string]string{"b": "3"}
	if got := resolve(t, st, 1001, "a", "b"); !maps.Equal(got, want) {
		t.Fatalf("after the first lifetime: %v, want %v", got, want)
	}

	sleepUntil(bWritten.Add(ttl + time.Second))
	if got := resolve(t, st, 1001, "a", "b"); len(got) != 0 {
		t.Fatalf("after every lifetime: %v", got)
	}
	if n := rdb.Exists(ctx, "ia:x{1001:0}").Val(); n != 0 {
		t.Fatal("Redis did not free a bucket whose mappings all expired")
	}
}

func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }
