package testredis

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

// Bounds on the waits. They are generous for a loaded two-core machine: a
// healthy topology is usually ready in well under a tenth of them.
const (
	// readyTimeout bounds how long a new process may take to answer.
	readyTimeout = 5 * time.Second
	// topologyTimeout bounds how long replication, sentinels or the cluster
	// may take to settle after a start or a failover.
	topologyTimeout = 15 * time.Second
	// pollInterval is the pause between two checks of a condition.
	pollInterval = 50 * time.Millisecond
)

// waitFor calls check every pollInterval until it reports done, and fails
// the test after timeout with what was awaited and the last state check
// described.
func waitFor(t testing.TB, timeout time.Duration, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		done, state := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testredis: timed out after %v waiting for %s: %s",
				timeout, what, state)
		}
		time.Sleep(pollInterval)
	}
}

// infoFields parses the reply of INFO into its "key:value" fields.
func infoFields(info string) map[string]string {
	fields := make(map[string]string)
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = v
		}
	}
	return fields
}
