// Package store is the only place that knows Redis key names, scripts and
// pipelines. Everything above it talks to the methods of Store.
//
// Every key carries the configured prefix and a hash tag, so that what one
// operation touches lives in one Cluster slot: a user's memberships under
// the user's tag, a member's records and counters under the member's tag.
// No command, script or transaction spans two tags; pipelines may, and the
// Cluster client splits them by node.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable wraps every failure to reach or use Redis, so the API can
// answer 503 without knowing Redis errors.
var ErrUnavailable = errors.New("store unavailable")

// ErrNotFound is returned when a record asked for by name does not exist.
var ErrNotFound = errors.New("not found")

// DefaultPrefix is the key prefix used when none is configured.
const DefaultPrefix = "ia:"

// Store reads and writes the service's records in Redis.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
	// uidBuckets is the number of buckets of each member's user id
	// mapping; 0 is defaultUIDBuckets, and only tests set another.
	uidBuckets uint32
	// wait is set by WaitForReplicas (wait.go).
	wait replicaWait
}

// New wraps a Redis client (single, Sentinel or Cluster). prefix is put
// before every key; empty means DefaultPrefix.
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{rdb: rdb, keys: keys{prefix: prefix}}
}

// Client returns the underlying Redis client, for the packages (such as
// the rate limiter) that bring their own scripts.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Prefix returns the key prefix, for packages that name their own keys.
func (s *Store) Prefix() string { return s.keys.prefix }

// Ping checks that the store answers.
func (s *Store) Ping(ctx context.Context) error {
	return unavailable(s.rdb.Ping(ctx).Err())
}

// Now returns the store's clock. Expiry times are computed from it rather
// than from the replica's, so replicas on skewed hosts agree.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	t, err := s.rdb.Time(ctx).Result()
	return t, unavailable(err)
}

// Close releases the connections.
func (s *Store) Close() error { return s.rdb.Close() }

// unavailable maps a Redis failure to ErrUnavailable. redis.Nil is not a
// failure and must be handled by the caller before this.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
