package testredis

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// sentinelClient returns a new client for the sentinel server sn that fails
// fast, as checks need. The caller closes it.
func sentinelClient(sn *Server) *redis.SentinelClient {
	return redis.NewSentinelClient(sn.options(true))
}

// replicasOnline reports whether master has want replicas in state online.
func replicasOnline(master *Server, want int) (bool, string) {
	info, err := master.info("replication")
	if err != nil {
		return false, err.Error()
	}
	if info["role"] != "master" {
		return false, master.Addr + " has role " + info["role"]
	}
	online := 0
	for k, v := range info {
		if strings.HasPrefix(k, "slave") && strings.Contains(v, "state=online") {
			online++
		}
	}
	if online != want {
		return false, fmt.Sprintf("%d of %d replicas online", online, want)
	}
	return true, ""
}

// settled reports whether every running sentinel names the master, sees all
// replicas online and knows every other running sentinel.
func (s *Sentinel) settled() (bool, string) {
	running := s.runningSentinels()
	for _, sn := range running {
		if ok, state := s.sentinelSettled(sn, len(running)-1); !ok {
			return false, state
		}
	}
	return true, ""
}

// sentinelSettled reports whether the sentinel sn names the master, sees all
// replicas online and knows at least peers other sentinels.
func (s *Sentinel) sentinelSettled(sn *Server, peers int) (bool, string) {
	ctx := context.Background()
	sc := sentinelClient(sn)
	defer sc.Close()

	addr, err := sc.GetMasterAddrByName(ctx, s.MasterName).Result()
	if err != nil {
		return false, sn.Addr + ": " + err.Error()
	}
	if got := strings.Join(addr, ":"); got != s.Master.Addr {
		return false, fmt.Sprintf("%s names master %s, not %s", sn.Addr, got, s.Master.Addr)
	}

	replicas, err := sc.Replicas(ctx, s.MasterName).Result()
	if err != nil {
		return false, sn.Addr + ": " + err.Error()
	}
	healthy := 0
	for _, r := range replicas {
		if r["flags"] == "slave" && r["master-link-status"] == "ok" {
			healthy++
		}
	}
	if healthy != len(s.Replicas) {
		return false, fmt.Sprintf("%s sees %d of %d replicas healthy: %v",
			sn.Addr, healthy, len(s.Replicas), replicas)
	}

	known, err := sc.Sentinels(ctx, s.MasterName).Result()
	if err != nil {
		return false, sn.Addr + ": " + err.Error()
	}
	if len(known) < peers {
		return false, fmt.Sprintf("%s knows %d of %d other sentinels",
			sn.Addr, len(known), peers)
	}
	return true, ""
}

// agreedMaster returns the master address every running sentinel names, or
// "" and a description when they do not agree or do not answer.
func (s *Sentinel) agreedMaster() (string, string) {
	agreed := ""
	for _, sn := range s.runningSentinels() {
		sc := sentinelClient(sn)
		addr, err := sc.GetMasterAddrByName(context.Background(), s.MasterName).Result()
		sc.Close()
		if err != nil {
			return "", sn.Addr + ": " + err.Error()
		}
		got := strings.Join(addr, ":")
		if agreed != "" && got != agreed {
			return "", fmt.Sprintf("sentinels disagree: %s and %s", agreed, got)
		}
		agreed = got
	}
	return agreed, ""
}
