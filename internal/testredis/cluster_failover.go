package testredis

import (
	"context"
	"fmt"
	"testing"
)

// KillMasterOf kills the master serving key and returns it once every
// running node reports cluster_state:ok with all slots served and names a
// different master, one of the killed master's replicas, for key's slot.
// It fails the test after 25 s, or at once if the master has no replica.
func (c *Cluster) KillMasterOf(t testing.TB, key string) *Server {
	t.Helper()
	running := c.running()
	if len(running) == 0 {
		t.Fatal("testredis: KillMasterOf needs a running node")
	}
	ctx := context.Background()
	slot, err := running[0].admin.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		t.Fatalf("testredis: CLUSTER KEYSLOT %q: %v", key, err)
	}

	shard, err := slotOwners(running[0], slot)
	if err != nil {
		t.Fatalf("testredis: %v", err)
	}
	master := c.node(shard[0].Addr)
	if master == nil {
		t.Fatalf("testredis: slot %d is served by unknown node %s", slot, shard[0].Addr)
	}
	if len(shard) < 2 {
		t.Fatalf("testredis: master %s of slot %d has no replica to promote",
			master.Addr, slot)
	}
	master.Kill()

	what := "a replica to replace the killed master"
	waitFor(t, failoverTimeout, what, func() (bool, string) {
		for _, n := range c.running() {
			owners, err := slotOwners(n, slot)
			if err != nil {
				return false, err.Error()
			}
			if !isReplica(shard, owners[0].Addr) {
				return false, fmt.Sprintf("%s names %s for slot %d",
					n.Addr, owners[0].Addr, slot)
			}
			if ok, state := clusterOK(n, len(c.Nodes)); !ok {
				return false, state
			}
		}
		return true, ""
	})
	return master
}
