package testredis

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Failover limits.
const (
	// switchTimeout bounds the wait for the sentinels to name a new master.
	switchTimeout = 30 * time.Second
	// reaskAfter is how long Failover waits for a requested failover before
	// it asks again: a failover that stalled is aborted after the failover
	// timeout, and a new request then starts another.
	reaskAfter = failoverTimeoutMillis*time.Millisecond + 2*time.Second
)

// Failover runs SENTINEL FAILOVER on the first running sentinel and returns
// the new master's address. Master and Replicas are updated to match.
//
// It returns once every running sentinel names the new master, which has the
// role master, and again sees every replica online, the old master among
// them; by then no server but the new master accepts writes. It fails the
// test if the switch takes more than 30 s or settling more than 15 s; a
// failover that stalls is requested again.
func (s *Sentinel) Failover(t testing.TB) (newMaster string) {
	t.Helper()
	if len(s.Replicas) == 0 {
		t.Fatal("testredis: Failover needs at least one replica")
	}
	running := s.runningSentinels()
	if len(running) == 0 {
		t.Fatal("testredis: Failover needs a running sentinel")
	}
	sc := sentinelClient(running[0])
	defer sc.Close()
	ctx := context.Background()
	old := s.Master.Addr

	var asked time.Time
	waitFor(t, switchTimeout, "sentinels to name a new master", func() (bool, string) {
		mine, err := sc.GetMasterAddrByName(ctx, s.MasterName).Result()
		if err != nil {
			return false, err.Error()
		}

		// Ask only while this sentinel still names the old master, so a
		// second request can never fail over the new one. NOGOODSLAVE is
		// asked again at the next poll; INPROG means a failover is running.
		if strings.Join(mine, ":") == old && time.Since(asked) > reaskAfter {
			err := sc.Failover(ctx, s.MasterName).Err()
			if err != nil && !strings.HasPrefix(err.Error(), "INPROG") {
				return false, "SENTINEL FAILOVER: " + err.Error()
			}
			asked = time.Now()
		}

		addr, state := s.agreedMaster()
		switch {
		case addr == "":
			return false, state
		case addr == old:
			return false, "sentinels still name " + old
		case s.server(addr) == nil:
			return false, "sentinels name unknown master " + addr
		}
		info, err := s.server(addr).info("replication")
		if err != nil {
			return false, err.Error()
		}
		if info["role"] != "master" {
			return false, addr + " has role " + info["role"]
		}
		newMaster = addr
		return true, ""
	})

	s.promote(newMaster)
	waitFor(t, topologyTimeout, "sentinels to settle on the new master", s.settled)
	return newMaster
}

// server returns the master or replica listening on addr, or nil.
func (s *Sentinel) server(addr string) *Server {
	for _, srv := range s.dataServers() {
		if srv.Addr == addr {
			return srv
		}
	}
	return nil
}

// promote makes the server at addr the Master and the others the Replicas.
func (s *Sentinel) promote(addr string) {
	all := s.dataServers()
	s.Replicas = nil
	for _, srv := range all {
		if srv.Addr == addr {
			s.Master = srv
		} else {
			s.Replicas = append(s.Replicas, srv)
		}
	}
}
