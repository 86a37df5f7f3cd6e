package testredis

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name under which StartSentinel's sentinels monitor the
// master.
const MasterName = "mymaster"

// Sentinel timings, short so that failover tests stay short.
const (
	// downAfterMillis is how long a master may be silent before a sentinel
	// counts it down.
	downAfterMillis = 2000
	// failoverTimeoutMillis bounds one failover attempt.
	failoverTimeoutMillis = 6000
)

// sentinelDebug are SENTINEL DEBUG settings, in milliseconds, that a
// sentinel keeps only in memory:
//   - info-period 1000 (default 10000): the sentinel asks every server for
//     INFO each second, so it sees new replicas and changed roles at once;
//   - publish-period 500 (default 2000): sentinels find each other sooner,
//     and an old master is made a replica 2 s rather than 8 s after a
//     failover, as that wait is four publish periods;
//   - tilt-period 3000 (default 30000): a sentinel that was stalled for
//     more than 2 s, as happens on a loaded test machine, stops acting for
//     3 s instead of 30 s.
var sentinelDebug = []any{
	"SENTINEL", "DEBUG",
	"info-period", 1000,
	"publish-period", 500,
	"tilt-period", 3000,
}

// replicationArgs make a full resync start at once instead of after the
// default 5 s wait for more replicas to join the same transfer.
var replicationArgs = []string{"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"}

// Sentinel is a master and its replicas, watched by sentinels under
// MasterName with quorum 1. Failover changes Master and Replicas, so it
// must not run while another goroutine reads them.
type Sentinel struct {
	// MasterName is the name the sentinels know the master by.
	MasterName string
	// Master is the server that is master; Failover updates it.
	Master *Server
	// Replicas are the other data servers; Failover updates them.
	Replicas []*Server
	// Sentinels are the redis-server --sentinel processes.
	Sentinels []*Server
	// SentinelAddrs are the sentinels' addresses, for FailoverOptions.
	SentinelAddrs []string

	owner  testing.TB
	mu     sync.Mutex
	client *redis.Client
}

// StartSentinel starts a master, replicas replicas of it and sentinels
// sentinels (redis-server --sentinel, so no redis-sentinel binary is
// needed) with quorum 1, down-after-milliseconds 2000 and
// failover-timeout 6000. It returns once every replica is in sync, and
// every sentinel knows the master, sees every replica online and knows the
// other sentinels; it fails the test if that takes more than 15 s.
func StartSentinel(t testing.TB, replicas, sentinels int) *Sentinel {
	t.Helper()
	Require(t)
	if replicas < 0 || sentinels < 1 {
		t.Fatalf("testredis: StartSentinel needs replicas >= 0 and sentinels >= 1, "+
			"got %d and %d", replicas, sentinels)
	}

	s := &Sentinel{MasterName: MasterName, owner: t}
	s.Master = startServer(t, spec{
		name: "master",
		build: func(dir string, port int) []string {
			return append(dataArgs(dir, port), replicationArgs...)
		},
	})
	masterPort := strconv.Itoa(s.Master.Port)
	for i := range replicas {
		r := startServer(t, spec{
			name: fmt.Sprintf("replica%d", i+1),
			build: func(dir string, port int) []string {
				args := append(dataArgs(dir, port), replicationArgs...)
				return append(args, "--replicaof", "127.0.0.1", masterPort)
			},
		})
		s.Replicas = append(s.Replicas, r)
	}
	waitFor(t, topologyTimeout, "replicas in sync with the master", func() (bool, string) {
		return replicasOnline(s.Master, len(s.Replicas))
	})

	for i := range sentinels {
		sn := startServer(t, spec{
			name: fmt.Sprintf("sentinel%d", i+1),
			build: func(dir string, port int) []string {
				return sentinelArgs(t, dir, port, s.Master.Port)
			},
			setup: func(c *redis.Client) error {
				return c.Do(context.Background(), sentinelDebug...).Err()
			},
		})
		s.Sentinels = append(s.Sentinels, sn)
		s.SentinelAddrs = append(s.SentinelAddrs, sn.Addr)
	}

	// Waiting for the sentinels to know each other makes every one of them
	// count in the leader election of a later automatic failover.
	waitFor(t, topologyTimeout, "sentinels to agree on the topology", s.settled)
	return s
}

// sentinelArgs writes the sentinel's config file, which the sentinel
// rewrites as it learns, and returns its command line. The sentinel runs in
// dir, its default working directory.
func sentinelArgs(t testing.TB, dir string, port, masterPort int) []string {
	t.Helper()
	conf := strings.Join([]string{
		fmt.Sprintf("port %d", port),
		"bind 127.0.0.1",
		fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1", MasterName, masterPort),
		fmt.Sprintf("sentinel down-after-milliseconds %s %d", MasterName, downAfterMillis),
		fmt.Sprintf("sentinel failover-timeout %s %d", MasterName, failoverTimeoutMillis),
		fmt.Sprintf("sentinel parallel-syncs %s 1", MasterName),
		"",
	}, "\n")
	path := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatalf("testredis: write %s: %v", path, err)
	}
	return []string{path, "--sentinel"}
}

// runningSentinels returns the sentinels whose process is running.
func (s *Sentinel) runningSentinels() []*Server {
	var running []*Server
	for _, sn := range s.Sentinels {
		if sn.Running() {
			running = append(running, sn)
		}
	}
	return running
}

// dataServers returns the master and the replicas.
func (s *Sentinel) dataServers() []*Server {
	return append([]*Server{s.Master}, s.Replicas...)
}

// Client returns a go-redis failover client for the master, the same one on
// every call, closed when the test that started the servers ends.
func (s *Sentinel) Client() *redis.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		c := redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName:    s.MasterName,
			SentinelAddrs: s.SentinelAddrs,
		})
		s.owner.Cleanup(func() { _ = c.Close() })
		s.client = c
	}
	return s.client
}
