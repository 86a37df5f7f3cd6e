package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// counter stands for the rate limiter's script: a library's own script,
// run through the Scripter that Along gives.
var counter = redis.NewScript(`return redis.call('INCR', KEYS[1])`)

func TestRidersTravelWithTheScript(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		if _, err := f.st.OpenSession(ctx, "h1", store.Session{User: "ann", MemberID: 7},
			time.Hour, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		apply(t, f.st, "42", store.Change{SegID: 5, Value: 3})
		// Redis knows both scripts from now on, as it does in service.
		if _, err := f.st.TouchSession(ctx, "h1", time.Hour, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := counter.Run(ctx, f.rdb, []string{"{m7}:calls"}).Err(); err != nil {
			t.Fatal(err)
		}

		trips := &testredis.RoundTrips{}
		f.rdb.AddHook(trips)
		touch := f.st.SessionTouch("h1", time.Hour, 24*time.Hour)
		read := f.st.MembershipsRead("", "42")
		n, err := counter.Run(ctx, f.st.Along(ctx, read, touch), []string{"{m7}:calls"}).Int()
		if err != nil || n != 2 {
			t.Fatalf("the script through Along: %d, %v", n, err)
		}
		sess, err := touch.Session(ctx)
		if err != nil || sess.User != "ann" || sess.MemberID != 7 {
			t.Fatalf("the touch that rode: %+v, %v", sess, err)
		}
		got, _, err := read.Result(ctx)
		if err != nil || len(got) != 1 || got[0].SegID != 5 || got[0].Value != 3 {
			t.Fatalf("the read that rode: %+v, %v", got, err)
		}
		if n := trips.N(); n != 1 {
			t.Fatalf("script, touch and read took %d round trips, want 1", n)
		}

		// A rider whose script call never went out reads on its own.
		alone := f.st.SessionTouch("h1", time.Hour, 24*time.Hour)
		if sess, err := alone.Session(ctx); err != nil || sess.MemberID != 7 {
			t.Fatalf("a touch that did not ride: %+v, %v", sess, err)
		}
		gone := f.st.SessionTouch("nope", time.Hour, 24*time.Hour)
		_ = counter.Run(ctx, f.st.Along(ctx, gone), []string{"{m7}:calls"})
		if _, err := gone.Session(ctx); err != store.ErrNotFound {
			t.Fatalf("the touch of no session: %v, want ErrNotFound", err)
		}
	})
}

// Redis forgets scripts (a restart, a failover, SCRIPT FLUSH): a touch
// that rode then did not run, and runs again with its source.
func TestRiderAfterScriptFlush(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb, "")
	ctx := context.Background()
	if _, err := st.OpenSession(ctx, "h1", store.Session{User: "ann", MemberID: 7},
		time.Hour, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	touch := st.SessionTouch("h1", time.Hour, 24*time.Hour)
	if err := counter.Run(ctx, st.Along(ctx, touch), []string{"c"}).Err(); err != nil {
		t.Fatal(err)
	}
	if sess, err := touch.Session(ctx); err != nil || sess.MemberID != 7 {
		t.Fatalf("after SCRIPT FLUSH: %+v, %v", sess, err)
	}
}

// A rider of another store (another Redis) is not sent to this one: it
// reads its own.
func TestRiderOfAnotherStore(t *testing.T) {
	stores := make([]*store.Store, 2)
	for i := range stores {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { rdb.Close() })
		stores[i] = store.New(rdb, "")
	}
	ctx := context.Background()
	apply(t, stores[1], "42", store.Change{SegID: 5, Value: 1})
	read := stores[1].MembershipsRead("", "42")
	if err := counter.Run(ctx, stores[0].Along(ctx, read), []string{"c"}).Err(); err != nil {
		t.Fatal(err)
	}
	if got, _, err := read.Result(ctx); err != nil || len(got) != 1 {
		t.Fatalf("a read of another store: %+v, %v", got, err)
	}
}
