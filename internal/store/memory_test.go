package store_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// TestMemoryPerMembership measures Redis memory for 100,000 users with 5
// memberships each (19-digit platform ids, 5-digit segment ids, value 1,
// a one-day lifetime), as the used_memory delta, and holds it to at most
// 60 bytes per membership.
//
//	go test -run TestMemoryPerMembership -v ./internal/store/
func TestMemoryPerMembership(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 500,000 memberships to a real redis-server")
	}
	testredis.Require(t)
	rdb := testredis.StartSingle(t).Client()
	st := store.New(rdb, "")
	ctx := context.Background()

	const users, perUser = 100_000, 5
	before := usedMemory(t, rdb.Info(ctx, "memory").Val())
	batch := make([]store.UserWrite, 0, 1000)
	for i := 0; i < users; i++ {
		changes := make([]store.Change, perUser)
		for j := range changes {
			changes[j] = store.Change{SegID: int64(10001 + j), Value: 1, Minutes: 1440}
		}
		id := strconv.FormatUint(4_000_000_000_000_000_000+uint64(i)*7919, 10)
		batch = append(batch, store.UserWrite{ID: id, Changes: changes})
		if len(batch) == cap(batch) {
			if err := st.Apply(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	after := usedMemory(t, rdb.Info(ctx, "memory").Val())

	per := float64(after-before) / (users * perUser)
	t.Logf("%d users x %d memberships: %d bytes, %.1f bytes per membership",
		users, perUser, after-before, per)
	fmt.Printf("redis bytes per membership: %.1f\n", per)
	if per > 60 {
		t.Fatalf("%.1f bytes per membership, want at most 60", per)
	}
}

func usedMemory(t *testing.T, info string) int64 {
	t.Helper()
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no used_memory in INFO")
	return 0
}
