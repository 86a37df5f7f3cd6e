package stats

import (
	"context"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/limits"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// TestOnCluster: counting in the pipeline of the writes, the report and
// the rate limiter work on Redis Cluster, where every command must stay
// within one slot: the member's keys share its hash tag, the users' keys
// theirs, and the pipeline is split by node.
func TestOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	st := store.New(testredis.StartCluster(t, 0).Client(), "")
	ctx := context.Background()
	at := time.Now()

	res := check(t, mix)
	writes := make([]store.UserWrite, len(res.Users))
	for i, u := range res.Users {
		for _, ch := range u.Changes {
			writes[i].Changes = append(writes[i].Changes,
				store.Change{SegID: ch.SegID, Value: ch.Value, Minutes: ch.Minutes})
		}
		writes[i].Domain, writes[i].ID = u.Domain, u.ID
	}
	for range 3 {
		u := UsageOf(1001, at, res)
		if err := st.ApplyCounted(ctx, writes, &u); err != nil {
			t.Fatal(err)
		}
	}

	rows, err := NewReporter(st).Report(ctx, 1001, Query{
		Start: at.Add(-time.Hour), End: at.Add(time.Hour), Agg: true})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Counts.ValidUsers != 6 || rows[0].Counts.InvalidUsers != 6 {
		t.Fatalf("counts on Cluster: %+v", rows[0].Counts)
	}

	lim := limits.New(st, limits.Config{})
	for i := range 3 {
		d, err := lim.Take(ctx, 1001, limits.Users, 10, 4)
		if err != nil || d.Allowed != (i < 2) {
			t.Fatalf("take %d on Cluster: %+v, %v", i+1, d, err)
		}
	}
}
