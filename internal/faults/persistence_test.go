package faults_test

import (
	"context"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/localcluster"
	"github.com/instant-audience/audience/internal/testredis"
)

// TestRedisCrash: redis-server is killed with SIGKILL under load and
// started again from its files. What comes back depends on Redis's
// persistence, not on the service: with snapshots only (appendonly no),
// every membership acknowledged since the last snapshot is gone; with
// the append-only file (appendfsync everysec), none is, since a killed
// process loses nothing it had written to the kernel. (A host that loses
// power may lose the last second of the file with everysec; that is not
// tested here.)
//
//	make test-faults FAULTS=TestRedisCrash
func TestRedisCrash(t *testing.T) {
	cases := []struct {
		name string
		args []string
		lost bool
	}{
		{name: "snapshot only", args: []string{"--appendonly", "no"}, lost: true},
		{name: "append-only file everysec", args: []string{"--appendonly", "yes",
			"--appendfsync", "everysec"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireFaults(t)
			srv := testredis.StartSingle(t, tc.args...)
			url := "redis://" + srv.Addr + "/0"
			c := startCluster(t, "crash-"+string(rune('a'+i)), localcluster.Options{
				RedisEnv: []string{"AUDIENCE_REDIS_URL=" + url}, RedisURL: url})
			a := newAccount(t, c)
			// The account, its token and the demo data are in a snapshot
			// from now on: what a crash may lose is the load's writes.
			if err := srv.Client().Save(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			running := startLoad(t, c, a, rate, 8*time.Second)
			time.Sleep(faultAfter)

			srv.Kill()
			killed := time.Now()
			time.Sleep(time.Second)
			srv.Restart(t)
			back := time.Now()

			run := running.Wait()
			t.Logf("%s: redis-server killed, back %v later: %s", tc.name,
				back.Sub(killed).Round(time.Millisecond), run.Summary())
			if rec := run.RecoveredAt(back); rec.IsZero() {
				t.Error("writes did not recover before the load ended")
			} else {
				t.Logf("writes served again %v after Redis was back",
					rec.Sub(back).Round(time.Millisecond))
			}
			rep := verify(t, c, run)
			if !tc.lost {
				wantNoLoss(t, rep)
				return
			}
			if rep.Lost == 0 {
				t.Error("nothing lost without the append-only file: the crash did not reach" +
					" the writes")
			}
			t.Logf("%s: %d acknowledged memberships lost with the crash, as expected", tc.name,
				rep.Lost)
		})
	}
}
