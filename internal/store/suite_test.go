package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// fixture is a store over one backend, with a way to move its clock.
type fixture struct {
	st  *store.Store
	rdb redis.UniversalClient
	// advance moves the store's clock forward. On miniredis it moves the
	// fake clock; on a real server it is nil, and tests that need it run
	// against miniredis only (real expiry has its own, slower test).
	advance func(time.Duration)
}

// eachBackend runs a behaviour test against miniredis and, unless -short,
// against a real redis-server, a Sentinel group and a three-master Redis
// Cluster started for the test, the last two through store.Connect as the
// service connects.
func eachBackend(t *testing.T, test func(t *testing.T, f fixture)) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		now := time.Now()
		mr.SetTime(now)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { rdb.Close() })
		test(t, fixture{st: store.New(rdb, ""), rdb: rdb, advance: func(d time.Duration) {
			now = now.Add(d)
			mr.SetTime(now)
			mr.FastForward(d)
		}})
	})
	if testing.Short() {
		return
	}
	t.Run("redis", func(t *testing.T) {
		testredis.Require(t)
		rdb := testredis.StartSingle(t).Client()
		test(t, fixture{st: store.New(rdb, ""), rdb: rdb})
	})
	t.Run("sentinel", func(t *testing.T) {
		s := testredis.StartSentinel(t, 1, 1)
		rdb := connect(t, config.RedisConn{SentinelMaster: s.MasterName,
			SentinelAddrs: s.SentinelAddrs})
		test(t, fixture{st: store.New(rdb, ""), rdb: rdb})
	})
	t.Run("cluster", func(t *testing.T) {
		c := testredis.StartCluster(t, 0)
		rdb := connect(t, config.RedisConn{ClusterAddrs: c.Addrs})
		test(t, fixture{st: store.New(rdb, ""), rdb: rdb})
	})
}

// connect opens a client of a Sentinel or Cluster topology as the service
// does, with the default pool and timeouts.
func connect(t *testing.T, topo config.RedisConn) redis.UniversalClient {
	t.Helper()
	conn := config.DefaultRedisConn()
	conn.SentinelMaster, conn.SentinelAddrs = topo.SentinelMaster, topo.SentinelAddrs
	conn.ClusterAddrs = topo.ClusterAddrs
	rdb, err := store.Connect(config.Redis{RedisConn: conn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func apply(t *testing.T, st *store.Store, id string, changes ...store.Change) {
	t.Helper()
	err := st.Apply(context.Background(), []store.UserWrite{{ID: id, Changes: changes}})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
}

func memberships(t *testing.T, st *store.Store, id string) map[int64]store.Membership {
	t.Helper()
	ms, _, err := st.Memberships(context.Background(), "", id)
	if err != nil {
		t.Fatalf("memberships: %v", err)
	}
	out := map[int64]store.Membership{}
	for _, m := range ms {
		out[m.SegID] = m
	}
	return out
}

func TestApplyAndRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		before, _ := f.st.Now(ctx)
		apply(t, f.st, "7", store.Change{SegID: 1, Value: 5, Minutes: 10},
			store.Change{SegID: 2, Value: 2147483647, Minutes: 0})
		got := memberships(t, f.st, "7")
		if len(got) != 2 || got[1].Value != 5 || got[2].Value != 2147483647 {
			t.Fatalf("got %+v", got)
		}
		if !got[2].ExpiresAt.IsZero() {
			t.Fatalf("a membership of expiration 0 expires at %v", got[2].ExpiresAt)
		}
		if d := got[1].ExpiresAt.Sub(before); d < 9*time.Minute || d > 11*time.Minute {
			t.Fatalf("expiration 10 gives an expiry %v away", d)
		}

		// Writing again replaces the value; -1 removes; removing what is
		// not there is fine.
		apply(t, f.st, "7", store.Change{SegID: 1, Value: 9, Minutes: 20},
			store.Change{SegID: 2, Minutes: -1}, store.Change{SegID: 3, Minutes: -1})
		got = memberships(t, f.st, "7")
		if len(got) != 1 || got[1].Value != 9 {
			t.Fatalf("after rewrite and removal: %+v", got)
		}

		// Blocks apply in order: removed then added is added, and the
		// other way round is removed.
		apply(t, f.st, "7", store.Change{SegID: 4, Minutes: -1}, store.Change{SegID: 4, Value: 1},
			store.Change{SegID: 1, Value: 1}, store.Change{SegID: 1, Minutes: -1})
		got = memberships(t, f.st, "7")
		if _, ok := got[4]; !ok || len(got) != 1 {
			t.Fatalf("order of blocks not kept: %+v", got)
		}

		// Removing the last membership removes the user.
		apply(t, f.st, "7", store.Change{SegID: 4, Minutes: -1})
		if n := f.rdb.Exists(ctx, "ia:u{7}").Val(); n != 0 {
			t.Fatal("a user with no membership left a key behind")
		}
		// Device ids and platform ids are kept apart.
		err := f.st.Apply(ctx, []store.UserWrite{{Domain: "idfa", ID: "7",
			Changes: []store.Change{{SegID: 1, Value: 1}}}})
		if err != nil || len(memberships(t, f.st, "7")) != 0 {
			t.Fatalf("a device id wrote a platform user: %v", err)
		}
	})
}

func TestKeyTTLFollowsFurthestExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		key := "ia:u{8}"
		apply(t, f.st, "8", store.Change{SegID: 1, Value: 1, Minutes: 10},
			store.Change{SegID: 2, Value: 1, Minutes: 30})
		if ttl := f.rdb.TTL(ctx, key).Val(); ttl < 29*time.Minute || ttl > 30*time.Minute {
			t.Fatalf("TTL %v, want the furthest expiry, 30 minutes", ttl)
		}
		apply(t, f.st, "8", store.Change{SegID: 3, Value: 1, Minutes: 0})
		if ttl := f.rdb.TTL(ctx, key).Val(); ttl != -1 {
			t.Fatalf("TTL %v while a membership never expires, want none", ttl)
		}
		apply(t, f.st, "8", store.Change{SegID: 3, Minutes: -1})
		if ttl := f.rdb.TTL(ctx, key).Val(); ttl < 29*time.Minute || ttl > 30*time.Minute {
			t.Fatalf("TTL %v after the never-expiring one left, want 30 minutes", ttl)
		}
	})
}

func TestScriptFlushIsRecovered(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		apply(t, f.st, "9", store.Change{SegID: 1, Value: 1})
		if err := f.rdb.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		users := []store.UserWrite{{ID: "9", Changes: []store.Change{{SegID: 2, Value: 1}}},
			{ID: "10", Changes: []store.Change{{SegID: 2, Value: 1}}}}
		if err := f.st.Apply(ctx, users); err != nil {
			t.Fatalf("apply after SCRIPT FLUSH: %v", err)
		}
		if len(memberships(t, f.st, "9")) != 2 || len(memberships(t, f.st, "10")) != 1 {
			t.Fatal("entries lost across SCRIPT FLUSH")
		}
	})
}

// TestExpiryWithClock drives the clock of miniredis: short memberships
// expire on time beside a never-expiring one, expired fields are pruned
// by the next write, and a user whose memberships all expired is gone.
func TestExpiryWithClock(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		if f.advance == nil {
			t.Skip("real Redis expiry is TestRealExpiry")
		}
		ctx := context.Background()
		apply(t, f.st, "11", store.Change{SegID: 1, Value: 1, Minutes: 1},
			store.Change{SegID: 2, Value: 1, Minutes: 0})
		apply(t, f.st, "12", store.Change{SegID: 1, Value: 1, Minutes: 1},
			store.Change{SegID: 2, Value: 1, Minutes: 2})

		f.advance(61 * time.Second)
		if got := memberships(t, f.st, "11"); len(got) != 1 || got[2].SegID != 2 {
			t.Fatalf("after a minute: %+v", got)
		}
		apply(t, f.st, "11", store.Change{SegID: 3, Value: 1, Minutes: 5})
		if n := f.rdb.HLen(ctx, "ia:u{11}").Val(); n != 2 {
			t.Fatalf("expired field not pruned by the write: %d fields", n)
		}

		f.advance(60 * time.Second)
		if n := f.rdb.Exists(ctx, "ia:u{12}").Val(); n != 0 {
			t.Fatal("a user whose memberships all expired left a key behind")
		}
	})
}

func TestApplyIsWholeOrNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		// A field not written by the service does not block the user.
		f.rdb.HSet(ctx, "ia:u{31}", "5", "garbage")
		apply(t, f.st, "31", store.Change{SegID: 1, Value: 1, Minutes: 10})
		if got := memberships(t, f.st, "31"); len(got) != 1 || got[1].Value != 1 {
			t.Fatalf("after a corrupt field: %+v", got)
		}
		// A lifetime past the bound fails the entry before anything is
		// written.
		err := f.st.Apply(ctx, []store.UserWrite{{ID: "32", Changes: []store.Change{
			{SegID: 1, Value: 1, Minutes: 5}, {SegID: 2, Value: 1, Minutes: 1 << 40}}}})
		if err == nil {
			t.Fatal("an absurd lifetime was accepted")
		}
		if n := f.rdb.Exists(ctx, "ia:u{32}").Val(); n != 0 {
			t.Fatal("a failed entry was applied in part")
		}
	})
}
