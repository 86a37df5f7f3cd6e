package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// TestWaitForReplicas: with WaitForReplicas, a write returns once the
// replica has it, and fails with ErrNotReplicated while the replica is
// connected but does not confirm (DEBUG SLEEP), which only a WAIT sent on
// the writes' own connection sees; the NOSCRIPT retry waits too, and so
// do user id mappings.
func TestWaitForReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis processes")
	}
	s := testredis.StartSentinel(t, 1, 1)
	rdb := connect(t, config.RedisConn{SentinelMaster: s.MasterName,
		SentinelAddrs: s.SentinelAddrs})
	st := store.New(rdb, "")
	const timeout = 300 * time.Millisecond
	st.WaitForReplicas(1, timeout)
	ctx := context.Background()
	replica := s.Replicas[0].Client()
	write := func(id string) error {
		return st.Apply(ctx, []store.UserWrite{{ID: id,
			Changes: []store.Change{{SegID: 1, Value: 7}}}})
	}

	// A replica that has just loaded its first copy counts once it has
	// acknowledged the stream (it does every second).
	var err error
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		if err = write("501"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("with the replica in sync: %v", err)
	}
	if v := replica.HGet(ctx, "ia:u{501}", "1").Val(); v == "" {
		t.Fatal("Apply returned before the replica had the write")
	}

	// A replica asleep is connected but confirms nothing: a WAIT on any
	// other connection than the writes' would count it at once.
	sleep := func() <-chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = replica.Do(ctx, "DEBUG", "SLEEP", "1.5").Err()
		}()
		time.Sleep(100 * time.Millisecond)
		return done
	}
	cases := []struct {
		name  string
		write func() error
	}{
		{"apply", func() error { return write("502") }},
		{"apply after SCRIPT FLUSH", func() error {
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			return write("503")
		}},
		{"uid mappings", func() error {
			return st.MapUIDs(ctx, 1001, []store.UIDMapping{{ExternalID: "x", UserID: "504"}},
				time.Hour)
		}},
		{"uid mappings after SCRIPT FLUSH", func() error {
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			return st.MapUIDs(ctx, 1001, []store.UIDMapping{{ExternalID: "y", UserID: "505"}},
				time.Hour)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := sleep()
			began := time.Now()
			err := tc.write()
			took := time.Since(began)
			<-done
			if !errors.Is(err, store.ErrNotReplicated) || !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("with the replica asleep: %v, want ErrNotReplicated", err)
			}
			if took < timeout || took > timeout+time.Second {
				t.Fatalf("gave up after %v, want about %v", took, timeout)
			}
			// Awake again, the replica confirms.
			if err := tc.write(); err != nil {
				t.Fatalf("with the replica awake: %v", err)
			}
		})
	}

	st.WaitForReplicas(2, timeout)
	if err := write("506"); !errors.Is(err, store.ErrNotReplicated) {
		t.Fatalf("two replicas asked of one: %v", err)
	}
	st.WaitForReplicas(0, 0)
	if err := write("507"); err != nil {
		t.Fatalf("turned off: %v", err)
	}
}
