package testredis

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster shape and timings.
const (
	// clusterMasters is the number of masters StartCluster creates, the
	// fewest redis-cli --cluster create accepts.
	clusterMasters = 3
	// clusterSlots is the number of hash slots a healthy cluster covers.
	clusterSlots = 16384
	// nodeTimeoutMillis is how long a node may be unreachable before it is
	// considered failing; it is short so that failover tests stay short.
	nodeTimeoutMillis = 2000
	// createTimeout bounds redis-cli --cluster create.
	createTimeout = 30 * time.Second
	// failoverTimeout bounds the wait for a replica to replace a killed
	// master: failure detection, election and gossip take a few seconds.
	failoverTimeout = 25 * time.Second
	// clientReloadInterval is how often Client reloads the slot map.
	clientReloadInterval = time.Second
)

// Cluster is a Redis Cluster of three masters, each with the same number of
// replicas.
type Cluster struct {
	// Nodes are all the cluster's servers. Which are masters changes with
	// failovers; ask the cluster (CLUSTER SHARDS) when it matters.
	Nodes []*Server
	// Addrs are the nodes' addresses, for ClusterOptions.Addrs.
	Addrs []string

	owner  testing.TB
	mu     sync.Mutex
	client *redis.ClusterClient
}

// StartCluster starts three masters with replicasPerMaster replicas each,
// with --cluster-enabled yes and --cluster-node-timeout 2000, joins them
// with redis-cli --cluster create, and returns once every node reports
// cluster_state:ok with all 16384 slots ok and every replica is in sync; it
// fails the test if that takes more than 15 s.
func StartCluster(t testing.TB, replicasPerMaster int) *Cluster {
	t.Helper()
	Require(t)
	requireTool(t, "redis-cli")
	if replicasPerMaster < 0 {
		t.Fatalf("testredis: StartCluster needs replicasPerMaster >= 0, got %d",
			replicasPerMaster)
	}

	c := &Cluster{owner: t}
	for i := range clusterMasters * (1 + replicasPerMaster) {
		node := startServer(t, spec{
			name:    fmt.Sprintf("node%d", i+1),
			cluster: true,
			build:   clusterArgs,
		})
		c.Nodes = append(c.Nodes, node)
		c.Addrs = append(c.Addrs, node.Addr)
	}
	c.create(t, replicasPerMaster)

	waitFor(t, topologyTimeout, "the cluster to be healthy", func() (bool, string) {
		for _, n := range c.Nodes {
			if ok, state := nodeHealthy(n, len(c.Nodes), replicasPerMaster); !ok {
				return false, state
			}
		}
		return true, ""
	})
	return c
}

// clusterArgs returns the command line of a cluster node. Its cluster config
// file lives in its own directory, so a restarted node rejoins as itself.
//
// A replica is missing from CLUSTER SLOTS while its replication offset is 0,
// which in an empty cluster lasts until the master's first replication ping:
// pinging every second rather than every 10 s shortens the start by seconds.
func clusterArgs(dir string, port int) []string {
	args := append(dataArgs(dir, port),
		"--cluster-enabled", "yes",
		"--cluster-node-timeout", strconv.Itoa(nodeTimeoutMillis),
		"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
		"--repl-ping-replica-period", "1",
	)
	return append(args, replicationArgs...)
}

// create runs redis-cli --cluster create over all nodes.
func (c *Cluster) create(t testing.TB, replicasPerMaster int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), createTimeout)
	defer cancel()

	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicasPerMaster), "--cluster-yes")
	cmd := exec.CommandContext(ctx, "redis-cli", args...)
	cmd.SysProcAttr = sysProcAttr()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testredis: redis-cli %v: %v\n%s", args, err, out)
	}
}

// running returns the nodes whose process is running.
func (c *Cluster) running() []*Server {
	var nodes []*Server
	for _, n := range c.Nodes {
		if n.Running() {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// node returns the node listening on addr, or nil.
func (c *Cluster) node(addr string) *Server {
	for _, n := range c.Nodes {
		if n.Addr == addr {
			return n
		}
	}
	return nil
}

// Client returns a go-redis cluster client for the cluster, the same one on
// every call, closed when the test that started the cluster ends.
//
// It reloads the slot map every second. With the default of 60 s a go-redis
// cluster client keeps sending a dead master's slots to it, failing, until
// the next reload: only MOVED and READONLY replies make it reload sooner,
// and a refused connection is neither.
func (c *Cluster) Client() *redis.ClusterClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		cc := redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:                      c.Addrs,
			ClusterStateReloadInterval: clientReloadInterval,
		})
		c.owner.Cleanup(func() { _ = cc.Close() })
		c.client = cc
	}
	return c.client
}
