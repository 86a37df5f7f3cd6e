package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/store"
)

// memoryShape is Redis's memory for users of one shape: so many
// memberships each, expiring or not.
type memoryShape struct {
	perUser int
	minutes int64
	bytes   int64
	users   int
}

// memoryShapes are the shapes of -memory-table.
var memoryShapes = []int{1, 2, 5, 10, 20, 50}

// memoryTable measures each shape in a database of its own, so that
// every run starts Redis's main table empty, as the main memory run does.
func (b *bench) memoryTable(ctx context.Context, users int) ([]memoryShape, error) {
	opts, err := redis.ParseURL(b.cluster.RedisURL)
	if err != nil {
		return nil, err
	}
	var out []memoryShape
	db := 1
	for _, per := range memoryShapes {
		for _, minutes := range []int64{1440, 0} {
			opts.DB = db
			db++
			rdb := redis.NewClient(opts)
			st := store.New(rdb, b.cluster.KeyPrefix)
			before, err := b.usedMemory(ctx)
			if err == nil {
				err = writeUsers(ctx, st, users, per, minutes)
			}
			after, err2 := b.usedMemory(ctx)
			_ = rdb.Close()
			if err != nil || err2 != nil {
				return nil, fmt.Errorf("memory of %d memberships a user: %w", per, errOr(err, err2))
			}
			out = append(out, memoryShape{perUser: per, minutes: minutes, bytes: after - before,
				users: users})
		}
	}
	return out, nil
}

func errOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// writeUsers writes users with per memberships each of the given
// lifetime, in requests of 1000 users, as the memory run does.
func writeUsers(ctx context.Context, st *store.Store, users, per int, minutes int64) error {
	const batch = 1000
	writes := make([]store.UserWrite, 0, batch)
	for i := range users {
		changes := make([]store.Change, per)
		for j := range changes {
			// Segment ids of 5 digits, spread as a member's are.
			changes[j] = store.Change{SegID: int64(10001 + 37*j), Value: 1, Minutes: minutes}
		}
		id := strconv.FormatUint(4_000_000_000_000_000_000+uint64(i)*7919, 10)
		writes = append(writes, store.UserWrite{ID: id, Changes: changes})
		if len(writes) == batch || i == users-1 {
			if err := st.Apply(ctx, writes); err != nil {
				return err
			}
			writes = writes[:0]
		}
	}
	return nil
}

// printMemoryTable writes the shapes' table.
func printMemoryTable(out io.Writer, shapes []memoryShape) {
	if len(shapes) == 0 {
		return
	}
	fmt.Fprintf(out, "\nRedis memory by shape (%s users each, 19-digit platform ids):\n",
		thousands(float64(shapes[0].users)))
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "memberships a user\tlifetime\tbytes a user\tbytes a membership")
	for _, s := range shapes {
		life := "one day"
		if s.minutes == 0 {
			life = "never expires"
		}
		perUser := float64(s.bytes) / float64(s.users)
		fmt.Fprintf(w, "%d\t%s\t%.0f\t%.1f\n", s.perUser, life, perUser,
			perUser/float64(s.perUser))
	}
	_ = w.Flush()
}
