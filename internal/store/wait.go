package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated is wrapped, with ErrUnavailable, when fewer replicas
// than WaitForReplicas asks for confirmed a write in time. The write was
// applied on the master and may or may not survive a failover: it is not
// acknowledged, and the client retries it.
var ErrNotReplicated = errors.New("fewer replicas than required confirmed the writes")

// replicaWait is the setting of WaitForReplicas.
type replicaWait struct {
	replicas int
	timeout  time.Duration
}

// WaitForReplicas makes every write of memberships (Apply, ApplyCounted)
// and of user id mappings wait, before it returns, until n replicas have
// confirmed it, for at most timeout; fewer is ErrNotReplicated. n = 0
// turns it off (the default). Call it once, before the store is used.
//
// Redis's WAIT is sent at the end of the pipeline that holds the writes,
// so on the connection that made them: WAIT counts the replication offset
// of its own connection's last write. That holds for a single server and
// for Sentinel (one master). A Cluster client splits a pipeline by node
// and routes a keyless WAIT to any node, so the setting is refused with a
// Cluster at start (config.Durability).
func (s *Store) WaitForReplicas(n int, timeout time.Duration) {
	s.wait = replicaWait{replicas: n, timeout: timeout}
}

// queueWait adds WAIT to a pipeline of writes when WaitForReplicas asks
// for it; nil otherwise.
func (s *Store) queueWait(ctx context.Context, p redis.Pipeliner) *redis.Cmd {
	if s.wait.replicas <= 0 {
		return nil
	}
	// Not Pipeliner's own command, which the interface lacks.
	return p.Do(ctx, "WAIT", s.wait.replicas, s.wait.timeout.Milliseconds())
}

// checkWait reads the answer of a WAIT queued by queueWait (nil: none was).
func (s *Store) checkWait(cmd *redis.Cmd) error {
	if cmd == nil {
		return nil
	}
	n, err := cmd.Int64()
	if err != nil {
		return unavailable(err)
	}
	if n < int64(s.wait.replicas) {
		return unavailable(fmt.Errorf("%w: %d of %d within %v", ErrNotReplicated, n,
			s.wait.replicas, s.wait.timeout))
	}
	return nil
}
