package push_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/localcluster"
	"github.com/instant-audience/audience/internal/push"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// largeEnv makes TestPushThroughCluster push 200,000 users of each
// format instead of 5,000, and runs the measurement of users per second
// (make test-push): minutes that make test does not spend.
const largeEnv = "AUDIENCE_PUSH_LARGE"

// startCluster starts the local deployment: redis-server, three
// audience-api replicas built from this tree, haproxy in front. It is
// stopped when the test ends, and skipped with -short.
func startCluster(t *testing.T) *localcluster.Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the local deployment; skipped with -short")
	}
	if _, err := localcluster.FindTools(); err != nil {
		if os.Getenv(testredis.RequireEnv) == "1" {
			t.Fatalf("%v (%s=1)", err, testredis.RequireEnv)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := localcluster.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := localcluster.Build(ctx, root, bin); err != nil {
		t.Fatal(err)
	}
	c, err := localcluster.Start(ctx, localcluster.Options{Bin: bin,
		Dir: filepath.Join(dir, "cluster"), Env: []string{"AUDIENCE_BCRYPT_COST=4"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// clusterAccount makes a member with limits, two segments and an API user.
func clusterAccount(t *testing.T, st *store.Store, lim store.Limits) (push.Credentials,
	[]int64) {
	t.Helper()
	ctx := context.Background()
	a, err := localcluster.NewAccount(ctx, st, lim)
	if err != nil {
		t.Fatal(err)
	}
	seg, err := st.CreateSegment(ctx, store.Segment{MemberID: a.Member, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return push.Credentials{Username: a.User, Password: a.Password}, []int64{a.Segment, seg.ID}
}

// writeMembers writes n users from first, each in every segment of segs.
func writeMembers(t *testing.T, path string, format push.Format, first, n int, segs []int64) {
	t.Helper()
	saved := testSegments
	testSegments = segs
	defer func() { testSegments = saved }()
	writeUsers(t, path, format, first, n, len(segs))
}

// checkStored reads every user from first back from the store, with 16
// readers, and fails unless each is in exactly segs.
func checkStored(t *testing.T, st *store.Store, first, n int, segs []int64) {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	bad := 0
	var wg sync.WaitGroup
	const readers = 16
	for r := range readers {
		wg.Go(func() {
			for u := first + r; u < first+n; u += readers {
				ms, _, err := st.Memberships(ctx, "", fmt.Sprint(u))
				var got []int64
				for _, m := range ms {
					got = append(got, m.SegID)
				}
				slices.Sort(got)
				if err != nil || !slices.Equal(got, segs) {
					mu.Lock()
					if bad++; bad <= 5 {
						t.Errorf("user %d: segments %v (%v), want %v", u, got, err, segs)
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d of %d users not stored as pushed", bad, n)
	}
}

// TestPushThroughCluster pushes 200,000 users from CSV and 200,000 from
// JSON Lines (5,000 unless AUDIENCE_PUSH_LARGE=1) through the balancer of
// three replicas: every membership is readable afterwards, no request is
// refused for its size, and none is refused for a limit the client was
// told.
func TestPushThroughCluster(t *testing.T) {
	start := time.Now()
	c := startCluster(t)
	t.Logf("deployment built and started in %v", time.Since(start).Round(time.Millisecond))
	st, err := c.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// make test keeps it small: the machine is shared with the other
	// packages' tests, some of which measure rates.
	users := 5_000
	if os.Getenv(largeEnv) == "1" {
		users = 200_000
	}
	// The member's users limit is raised, so that the test measures the
	// client and the deployment rather than waiting on the default limit;
	// the client is told it, as an operator would tell it.
	const perSec = 20_000
	for i, format := range []push.Format{push.FormatCSV, push.FormatJSONL} {
		t.Run(string(format), func(t *testing.T) {
			creds, segs := clusterAccount(t, st, store.Limits{UsersPerSec: perSec})
			slices.Sort(segs)
			file := filepath.Join(t.TempDir(), "users."+string(format))
			first := 1 + i*users
			writeMembers(t, file, format, first, users, segs)

			in, err := push.Open(file, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			sum, err := push.Push(context.Background(), in, push.Options{URL: c.URL,
				Credentials: creds, UsersPerSecond: perSec, Journal: file + ".journal",
				Warnings: file + ".warnings"})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d users in %v, %.0f users/s, %d requests", format, sum.Users,
				sum.Elapsed.Round(time.Millisecond), sum.UsersPerSecond(), sum.Requests)
			if !sum.Complete || sum.Users != users || sum.Segments != users*len(segs) ||
				sum.Warnings != 0 {
				t.Errorf("summary %+v", sum)
			}
			if sum.Splits != 0 || sum.Throttled != 0 || sum.Unavailable != 0 {
				t.Errorf("%d requests split, %d rate limited, %d unavailable", sum.Splits,
					sum.Throttled, sum.Unavailable)
			}
			start := time.Now()
			checkStored(t, st, first, users, segs)
			checkSample(t, c.URL, creds, first, users, segs)
			t.Logf("%s: read back in %v", format, time.Since(start).Round(time.Millisecond))
		})
	}
}

// checkSample reads a thousand of the users through the balancer.
func checkSample(t *testing.T, base string, creds push.Credentials, first, n int,
	segs []int64) {
	t.Helper()
	token := login(t, base, creds)
	for u := first; u < first+n; u += n / 1000 {
		got := members(t, base, token, fmt.Sprint(u), "")
		if !slices.Equal(got, segs) {
			t.Fatalf("GET user %d: segments %v, want %v", u, got, segs)
		}
	}
}

// TestPushThroughput measures users per second through the local
// deployment: one member at the default limits (1000 users a second), ten
// members in parallel at the default limits, and one member whose limits
// are raised out of the way, which measures the deployment itself. It
// logs the rates.
func TestPushThroughput(t *testing.T) {
	if os.Getenv(largeEnv) != "1" {
		t.Skipf("a measurement of about a minute; set %s=1 (make test-push)", largeEnv)
	}
	c := startCluster(t)
	st, err := c.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	first := 1_000_000

	tests := []struct {
		name           string
		members, users int
		limits         store.Limits
		perSec         int // what the client is told; 0 for its default
	}{
		{name: "1 member at the default limits", members: 1, users: 30_000},
		{name: "10 members at the default limits", members: 10, users: 20_000},
		{name: "1 member, limits raised", members: 1, users: 200_000,
			limits: store.Limits{UsersPerSec: 1_000_000}, perSec: 1_000_000},
	}
	for _, tt := range tests {
		var files []string
		var accounts []push.Credentials
		for m := range tt.members {
			creds, segs := clusterAccount(t, st, tt.limits)
			file := filepath.Join(dir, fmt.Sprintf("%d-%d.csv", first, m))
			writeMembers(t, file, push.FormatCSV, first, tt.users, segs[:1])
			first += tt.users
			files, accounts = append(files, file), append(accounts, creds)
		}

		var wg sync.WaitGroup
		var mu sync.Mutex
		var total int
		var throttled int64
		start := time.Now()
		for m, file := range files {
			wg.Go(func() {
				in, err := push.Open(file, nil)
				if err != nil {
					t.Error(err)
					return
				}
				defer in.Close()
				sum, err := push.Push(context.Background(), in, push.Options{URL: c.URL,
					Credentials: accounts[m], UsersPerSecond: tt.perSec})
				if err != nil || sum.Users != tt.users {
					t.Errorf("%s, member %d: %v", tt.name, m, err)
					return
				}
				mu.Lock()
				total += sum.Users
				throttled += sum.Throttled
				mu.Unlock()
			})
		}
		wg.Wait()
		took := time.Since(start)
		t.Logf("%s: %d users in %v: %.0f users/s (%d answers 429)", tt.name, total,
			took.Round(time.Millisecond), float64(total)/took.Seconds(), throttled)
	}
}
