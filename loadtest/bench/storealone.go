package main

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/stats"
	"github.com/instant-audience/audience/internal/store"
)

// storeAlone does the work of the throughput runs without HTTP: the
// writes of 1000 new users of 5 segments each and their statistics,
// applied by Store.ApplyCounted as the POST handler applies them,
// Workers calls at once, spread over the members, for the throughput
// run's length. The Tally counts one call as one answer; Measured counts
// memberships.
func (b *bench) storeAlone(ctx context.Context) loadgen.Tally {
	const users, segs = 1000, 5
	first := uint64(time.Now().UnixNano()%1e12) * 1e6
	deadline := time.Now().Add(b.p.throughput)
	t := loadgen.Tally{Status: map[int]int{}, ByHeader: map[string]int{}}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range b.o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				a := b.accounts[i%len(b.accounts)]
				res := result(a.Segments[:segs], first+uint64(i*users), users)
				usage := stats.UsageOf(a.Member, time.Now(), &res)
				writes := toWrites(res.Users)

				began := time.Now()
				err := b.st.ApplyCounted(ctx, writes, &usage)
				took := time.Since(began)
				mu.Lock()
				t.Sent++
				if err != nil {
					t.Failed++
					if len(t.Errors) < 5 {
						t.Errors = append(t.Errors, err.Error())
					}
				} else {
					t.Status[200]++
					t.Measured += res.SegmentsInRequest
					t.Latency = append(t.Latency, took)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Elapsed = time.Since(start)
	slices.Sort(t.Latency)
	return t
}

// result is what rtsegment.Check makes of a body of n valid users from
// first on, each into segs: the store's input, and its statistics.
func result(segs []int64, first uint64, n int) rtsegment.Result {
	res := rtsegment.Result{Users: make([]rtsegment.User, n), UsersInRequest: n,
		SegmentsInRequest: n * len(segs)}
	for i := range res.Users {
		changes := make([]rtsegment.Change, len(segs))
		for j, s := range segs {
			changes[j] = rtsegment.Change{SegID: s, Value: 1, Minutes: 1440}
		}
		res.Users[i] = rtsegment.User{ID: strconv.FormatUint(first+uint64(i), 10),
			Changes: changes}
	}
	res.Counts = rtsegment.Counts{ValidUsers: n, ValidAdds: n * len(segs)}
	return res
}

// toWrites converts the users as the POST handler does.
func toWrites(users []rtsegment.User) []store.UserWrite {
	out := make([]store.UserWrite, len(users))
	for i, u := range users {
		changes := make([]store.Change, len(u.Changes))
		for j, ch := range u.Changes {
			changes[j] = store.Change{SegID: ch.SegID, Value: ch.Value, Minutes: ch.Minutes}
		}
		out[i] = store.UserWrite{Domain: u.Domain, ID: u.ID, Changes: changes}
	}
	return out
}
