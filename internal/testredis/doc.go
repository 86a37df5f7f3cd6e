// Package testredis starts real redis-server processes for tests.
//
// Every process listens on a free loopback port, keeps its files in its own
// t.TempDir, persists nothing unless asked to, and is killed when the test
// that started it ends. The shared server on 127.0.0.1:6379 is never touched.
//
// Three topologies are offered: a single server (StartSingle), a master with
// replicas watched by sentinels (StartSentinel) and a Redis Cluster
// (StartCluster). Each start function returns only once the topology is
// usable, and fails the test with the servers' logs when it does not become
// usable within a bounded time.
//
// Tests that need Redis call Require first. Without redis-server on PATH they
// are skipped, unless AUDIENCE_REQUIRE_REDIS=1 is set, in which case they fail,
// so that CI never passes by silently skipping them.
package testredis
