package localcluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
)

// The fault tests stop, kill and restart single replicas while the
// balancer keeps serving; these are their handles.

// replica returns the process of replica i (from 0).
func (c *Cluster) replica(i int) (*proc, error) {
	name := replicaName(i)
	for _, p := range c.Procs {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no %s in a cluster of %d replicas", name, len(c.Replicas))
}

// ReplicaName is the name the balancer gives replica i (from 0) in
// ReplicaHeader: "replica1" for 0.
func ReplicaName(i int) string { return replicaName(i) }

// KillReplica sends SIGKILL to replica i (from 0) and waits until it has
// exited: what a crash or an OOM kill does.
func (c *Cluster) KillReplica(i int) error {
	p, err := c.replica(i)
	if err != nil {
		return err
	}
	if p.exited() {
		return nil
	}
	if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil &&
		!errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s: %w", p.Name, err)
	}
	deadline := time.Now().Add(stopGrace)
	for !p.exited() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s (pid %d) still running after SIGKILL", p.Name, p.PID)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// StopReplica sends SIGTERM to replica i (from 0), as a rolling update
// does, and waits until it has drained and exited.
func (c *Cluster) StopReplica(i int) error {
	p, err := c.replica(i)
	if err != nil {
		return err
	}
	return p.stop()
}

// StartReplica starts replica i (from 0) again, on its port and with its
// settings, and returns once it answers /readyz itself. The balancer
// sends it traffic again after its next good health check.
func (c *Cluster) StartReplica(ctx context.Context, i int) error {
	p, err := c.replica(i)
	if err != nil {
		return err
	}
	if !p.exited() {
		return fmt.Errorf("%s is running", p.Name)
	}
	return c.run(ctx, p, strings.TrimPrefix(c.Replicas[i], "http://"), waitReady)
}
