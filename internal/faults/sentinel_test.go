package faults_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/localcluster"
	"github.com/instant-audience/audience/internal/testredis"
)

// sentinelCluster starts a Sentinel group (a master, replicas replicas,
// one sentinel) and three audience-api replicas on it behind haproxy,
// with env added to their settings.
func sentinelCluster(t *testing.T, name string, replicas int,
	env ...string) (*testredis.Sentinel, *localcluster.Cluster) {
	t.Helper()
	requireFaults(t)
	s := testredis.StartSentinel(t, replicas, 1)
	c := startCluster(t, name, localcluster.Options{
		RedisEnv: []string{
			"AUDIENCE_REDIS_SENTINEL_MASTER=" + s.MasterName,
			"AUDIENCE_REDIS_SENTINEL_ADDRS=" + strings.Join(s.SentinelAddrs, ","),
		},
		RedisURL: "redis://" + s.Master.Addr + "/0",
		Env:      env,
	})
	return s, c
}

// waitNewMaster waits until the sentinel names another master than old,
// and returns when it did.
func waitNewMaster(t *testing.T, s *testredis.Sentinel, old string) time.Time {
	t.Helper()
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.SentinelAddrs[0]})
	defer sc.Close()
	var named string
	_, ok := waitFor(30*time.Second, func() bool {
		addr, err := sc.GetMasterAddrByName(context.Background(), s.MasterName).Result()
		if err == nil && len(addr) == 2 && addr[0]+":"+addr[1] != old {
			named = addr[0] + ":" + addr[1]
			return true
		}
		return false
	})
	if !ok {
		t.Fatalf("the sentinel still names %s after 30 s", old)
	}
	t.Logf("the sentinel names %s", named)
	return time.Now()
}

// TestSentinelFailoverUnderLoad: SENTINEL FAILOVER while POSTs flow
// through three replicas, without and with AUDIENCE_REDIS_WAIT_REPLICAS.
// The error window is measured and every acknowledged membership is read
// back from the new master.
//
// Sentinel promotes the replica (REPLICAOF NO ONE) before it turns the
// old master into a replica; clients learn of the switch at its end.
// Writes that reach the old master in between are acknowledged by it and
// then dropped when it resynchronises from the new master. Without WAIT
// they are lost, and the test only reports how many; with WAIT 1 the old
// master, which has lost its replica, cannot have them confirmed, answers
// 503, and nothing acknowledged may be lost.
//
//	make test-faults FAULTS=TestSentinelFailoverUnderLoad
func TestSentinelFailoverUnderLoad(t *testing.T) {
	cases := []struct {
		name string
		env  []string
		wait bool
	}{
		{name: "without WAIT"},
		{name: "with WAIT 1", env: []string{"AUDIENCE_REDIS_WAIT_REPLICAS=1",
			"AUDIENCE_REDIS_WAIT_TIMEOUT=500ms"}, wait: true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, c := sentinelCluster(t, "sentinel-failover-"+string(rune('a'+i)), 1, tc.env...)
			a := newAccount(t, c)
			running := startLoad(t, c, a, rate, 14*time.Second)
			time.Sleep(faultAfter)

			began := time.Now()
			s.Failover(t)
			switched := time.Now()

			run := running.Wait()
			t.Logf("%s: SENTINEL FAILOVER (switch took %v): %s", tc.name,
				switched.Sub(began).Round(time.Millisecond), run.Summary())
			onlyStatus(t, run, http.StatusServiceUnavailable)
			if rec := run.RecoveredAt(switched); rec.IsZero() {
				t.Error("writes did not recover before the load ended")
			} else {
				t.Logf("writes served again %v after the switch", rec.Sub(switched).Round(
					time.Millisecond))
			}
			rep := verify(t, c, run)
			if tc.wait {
				wantNoLoss(t, rep)
				return
			}
			t.Logf("without WAIT: %d acknowledged memberships lost in the switch", rep.Lost)
		})
	}
}

// TestMasterKilledAfterWrites shows what AUDIENCE_REDIS_WAIT_REPLICAS
// changes. Both replicas of the master stop confirming (their link is
// cut while they sleep in DEBUG SLEEP), writes go on for a second, and
// the master is killed: the sentinel promotes a replica that never got
// that second's writes.
//
// Without WAIT, the writes of that second were acknowledged and are
// lost: the checker must find them missing (a checker that could not
// would prove nothing elsewhere). With WAIT 1, they were answered 503
// instead, and nothing acknowledged is lost.
//
//	make test-faults FAULTS=TestMasterKilledAfterWrites
func TestMasterKilledAfterWrites(t *testing.T) {
	cases := []struct {
		name string
		env  []string
		lost bool // acknowledged memberships are expected to be lost
	}{
		{name: "without WAIT", lost: true},
		{name: "with WAIT 1", env: []string{"AUDIENCE_REDIS_WAIT_REPLICAS=1",
			"AUDIENCE_REDIS_WAIT_TIMEOUT=500ms"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, c := sentinelCluster(t, "master-killed-"+string(rune('a'+i)), 2, tc.env...)
			a := newAccount(t, c)
			running := startLoad(t, c, a, rate, 16*time.Second)
			time.Sleep(faultAfter)

			cut := cutReplication(t, s)
			time.Sleep(time.Second)
			old := s.Master.Addr
			s.Master.Kill()
			killed := time.Now()
			switched := waitNewMaster(t, s, old)

			run := running.Wait()
			unconfirmed := run.FailedBetween(cut, killed)
			t.Logf("%s: master killed 1 s after its replicas stopped confirming;"+
				" new master named %v after the kill; %s; %d POSTs failed while the"+
				" replicas did not confirm", tc.name, switched.Sub(killed).Round(time.Millisecond),
				run.Summary(), len(unconfirmed))
			rec := run.RecoveredAt(switched)
			if rec.IsZero() {
				t.Fatal("writes did not recover before the load ended")
			}
			t.Logf("writes served again %v after the kill", rec.Sub(killed).Round(time.Millisecond))
			rep := verify(t, c, run)
			if !tc.lost {
				wantNoLoss(t, rep)
				return
			}
			if rep.Lost == 0 {
				t.Error("no acknowledged membership lost: the checker did not see the loss" +
					" that asynchronous replication makes here")
			}
			t.Logf("without WAIT, %d acknowledged memberships were lost, as expected",
				rep.Lost)
		})
	}
}

// cutReplication makes every replica of the master stop taking its
// writes while staying up: each sleeps 1.5 s in DEBUG SLEEP, and the
// master drops their links meanwhile, so that they come back to a master
// that may be dead by then. It returns when the links were cut.
func cutReplication(t *testing.T, s *testredis.Sentinel) time.Time {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, r := range s.Replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = r.Client().Do(ctx, "DEBUG", "SLEEP", "1.5").Err()
		}()
	}
	t.Cleanup(wg.Wait)
	time.Sleep(50 * time.Millisecond)
	if err := s.Master.Client().ClientKillByFilter(ctx, "TYPE", "replica").Err(); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}
