package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// TestRealExpiry waits out a one-minute membership on a real Redis: it is
// read before its minute and gone after it, beside a never-expiring one
// that keeps its key alive, while a user with only the short one has no
// key left at all. It takes a minute, so it runs in parallel.
func TestRealExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("waits a minute on a real redis-server")
	}
	testredis.Require(t)
	t.Parallel()
	rdb := testredis.StartSingle(t).Client()
	st := store.New(rdb, "")
	ctx := context.Background()

	apply(t, st, "21", store.Change{SegID: 1, Value: 1, Minutes: 1},
		store.Change{SegID: 2, Value: 1, Minutes: 0})
	apply(t, st, "22", store.Change{SegID: 1, Value: 1, Minutes: 1})
	if len(memberships(t, st, "21")) != 2 || len(memberships(t, st, "22")) != 1 {
		t.Fatal("memberships not readable before their minute")
	}

	time.Sleep(61 * time.Second)
	if got := memberships(t, st, "21"); len(got) != 1 || got[2].SegID != 2 {
		t.Fatalf("after the minute: %+v", got)
	}
	if n := rdb.Exists(ctx, "ia:u{22}").Val(); n != 0 {
		t.Fatal("Redis did not free a user whose memberships all expired")
	}
}
