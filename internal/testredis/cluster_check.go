package testredis

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// nodeHealthy reports whether node sees the cluster ok with every slot
// served and knows all nodes, whether it lists the given number of replicas
// for every slot, and, if it is a replica, whether it is in sync.
func nodeHealthy(node *Server, nodes, replicas int) (bool, string) {
	info, err := node.info("replication")
	if err != nil {
		return false, node.Addr + ": " + err.Error()
	}
	if info["role"] == "slave" && info["master_link_status"] != "up" {
		return false, node.Addr + ": replica link " + info["master_link_status"]
	}
	if ok, state := clusterOK(node, nodes); !ok {
		return false, state
	}

	// CLUSTER SLOTS leaves out a replica until gossip has brought its
	// replication offset, and a cluster client that loaded the slots before
	// then would not know the replica.
	//lint:ignore SA1019 CLUSTER SLOTS is what go-redis's cluster client reads, so it is what must be settled.
	ranges, err := node.admin.ClusterSlots(context.Background()).Result()
	if err != nil {
		return false, node.Addr + ": " + err.Error()
	}
	for _, r := range ranges {
		if len(r.Nodes) != 1+replicas {
			return false, fmt.Sprintf("%s: slots %d-%d served by %d nodes, want %d",
				node.Addr, r.Start, r.End, len(r.Nodes), 1+replicas)
		}
	}
	return true, ""
}

// clusterOK reports whether node says cluster_state:ok, serves all slots and
// knows the given number of nodes.
func clusterOK(node *Server, nodes int) (bool, string) {
	raw, err := node.admin.ClusterInfo(context.Background()).Result()
	if err != nil {
		return false, node.Addr + ": " + err.Error()
	}
	info := infoFields(raw)
	ok := info["cluster_state"] == "ok" &&
		info["cluster_slots_ok"] == strconv.Itoa(clusterSlots) &&
		info["cluster_known_nodes"] == strconv.Itoa(nodes)
	if !ok {
		return false, fmt.Sprintf(
			"%s: cluster_state:%s cluster_slots_ok:%s cluster_known_nodes:%s",
			node.Addr, info["cluster_state"], info["cluster_slots_ok"],
			info["cluster_known_nodes"])
	}
	return true, ""
}

// slotOwners returns, as node sees it, the nodes serving slot: the master
// first, then its replicas.
func slotOwners(node *Server, slot int64) ([]redis.ClusterNode, error) {
	//lint:ignore SA1019 CLUSTER SLOTS is what go-redis's cluster client reads.
	ranges, err := node.admin.ClusterSlots(context.Background()).Result()
	if err != nil {
		return nil, fmt.Errorf("%s: CLUSTER SLOTS: %w", node.Addr, err)
	}
	for _, r := range ranges {
		if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 {
			return r.Nodes, nil
		}
	}
	return nil, fmt.Errorf("%s: no node serves slot %d", node.Addr, slot)
}

// isReplica reports whether addr is one of the replicas in shard, whose
// first node is the master.
func isReplica(shard []redis.ClusterNode, addr string) bool {
	for _, n := range shard[1:] {
		if n.Addr == addr {
			return true
		}
	}
	return false
}
