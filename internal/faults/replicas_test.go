package faults_test

import (
	"context"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/localcluster"
)

// TestReplicaKilled: one replica of three is killed with SIGKILL under
// load and started again 3 s later. The balancer routes around it: the
// only POSTs that fail are those it held when it died, and nothing
// acknowledged is lost.
//
//	make test-faults FAULTS=TestReplicaKilled
func TestReplicaKilled(t *testing.T) {
	c := mainCluster(t)
	a := newAccount(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	running := startLoad(t, c, a, rate, 10*time.Second)
	time.Sleep(faultAfter)

	const victim = 1
	killing := time.Now()
	if err := c.KillReplica(victim); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	time.Sleep(3 * time.Second)
	if err := c.StartReplica(ctx, victim); err != nil {
		t.Fatal(err)
	}

	run := running.Wait()
	inFlight := 0
	for _, o := range run.Outcomes {
		if o.Sent.Before(killed) && o.End().After(killing) {
			inFlight++
		}
	}
	t.Logf("%s killed: %s; %d POSTs in flight on all replicas when it died",
		localcluster.ReplicaName(victim), run.Summary(), inFlight)
	for _, o := range run.Failed() {
		// In flight on the victim: sent before it was gone, and not
		// answered before the kill began.
		if o.Sent.After(killed) || o.End().Before(killing) {
			t.Errorf("POST %d failed (%d %s) but was not in flight when the replica died",
				o.Seq, o.Status, o.Err)
		}
	}
	served := run.Tally.ByHeader
	t.Logf("answers by replica: %v", served)
	wantNoLoss(t, verify(t, c, run))
	if err := localcluster.WaitReplicas(ctx, c.URL, len(c.Replicas), 15*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestRollingRestart: each replica in turn gets SIGTERM, drains, exits
// and is started again, under load, as a rolling update does it. The
// drain delay (1.5 s) outlasts the balancer's two failed health checks
// half a second apart, so no POST fails, and nothing is lost.
//
//	make test-faults FAULTS=TestRollingRestart
func TestRollingRestart(t *testing.T) {
	c := mainCluster(t)
	a := newAccount(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const load = 24 * time.Second
	began := time.Now()
	running := startLoad(t, c, a, rate, load)
	time.Sleep(2 * time.Second)

	for i := range c.Replicas {
		stopping := time.Now()
		if err := c.StopReplica(i); err != nil {
			t.Fatal(err)
		}
		stopped := time.Now()
		if err := c.StartReplica(ctx, i); err != nil {
			t.Fatal(err)
		}
		if err := localcluster.WaitReplicas(ctx, c.URL, len(c.Replicas),
			15*time.Second); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: SIGTERM to exit %v, back in the balancer %v later",
			localcluster.ReplicaName(i), stopped.Sub(stopping).Round(time.Millisecond),
			time.Since(stopped).Round(time.Millisecond))
	}
	if time.Since(began) > load {
		t.Errorf("the restarts outlasted the load (%v): not all ran under it", load)
	}

	run := running.Wait()
	t.Logf("rolling restart: %s; answers by replica %v", run.Summary(), run.Tally.ByHeader)
	for _, o := range run.Failed() {
		t.Errorf("POST %d failed: %d %s (replica %q)", o.Seq, o.Status, o.Err, o.Replica)
	}
	wantNoLoss(t, verify(t, c, run))
}
