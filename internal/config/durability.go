package config

import (
	"flag"
	"time"
)

// Durability says what a write waits for before the service acknowledges
// it. It is embedded in Server.
//
// By default a POST is answered 200 once the Redis master has applied it:
// Redis replicates asynchronously, so a master that dies a moment later
// may take the last writes with it when a replica is promoted. With
// WaitReplicas set, the writes of each POST /rt-segment and POST /uid-map
// are followed, on the same connection, by Redis's WAIT, and the answer
// is 200 only once that many replicas have confirmed them; otherwise it
// is 503 and the client retries (the writes are idempotent).
type Durability struct {
	// WaitReplicas is how many replicas must confirm a request's writes
	// before it is answered 200 (0: none, the master's own answer is
	// enough). Single server or Sentinel only: a Cluster spreads one
	// request's writes over several masters, and WAIT counts only what
	// was written on the connection it is sent on.
	// AUDIENCE_REDIS_WAIT_REPLICAS.
	WaitReplicas int
	// WaitTimeout bounds that wait (500ms); past it the request is
	// answered 503. It must be shorter than AUDIENCE_REQUEST_TIMEOUT and
	// AUDIENCE_REDIS_READ_TIMEOUT, which bound the same round trip.
	// AUDIENCE_REDIS_WAIT_TIMEOUT.
	WaitTimeout time.Duration
}

// DefaultWaitTimeout is Durability.WaitTimeout's default.
const DefaultWaitTimeout = 500 * time.Millisecond

// registerDurability adds the durability flags.
func registerDurability(fs *flag.FlagSet, d *Durability) {
	fs.IntVar(&d.WaitReplicas, "redis-wait-replicas", 0,
		"replicas that must confirm a POST's writes before it is answered 200 (0: none)")
	fs.DurationVar(&d.WaitTimeout, "redis-wait-timeout", DefaultWaitTimeout,
		"bound on the wait for replicas; past it the answer is 503")
}

// validate checks the durability settings against the store they apply
// to and the bounds of the request that waits.
func (d Durability) validate(r Redis, requestTimeout time.Duration) error {
	switch {
	case d.WaitReplicas < 0:
		return bad("AUDIENCE_REDIS_WAIT_REPLICAS", d.WaitReplicas, "must be 0 (off) or more")
	case d.WaitReplicas == 0:
		return nil
	case r.Topology() == "cluster":
		return bad("AUDIENCE_REDIS_WAIT_REPLICAS", d.WaitReplicas,
			"is for a single server or Sentinel; with a Redis Cluster set it to 0")
	case r.Topology() == "":
		return bad("AUDIENCE_REDIS_WAIT_REPLICAS", d.WaitReplicas,
			"needs a Redis with replicas; the embedded store has none")
	case d.WaitTimeout < time.Millisecond:
		// WAIT with a timeout of 0 would block forever.
		return bad("AUDIENCE_REDIS_WAIT_TIMEOUT", d.WaitTimeout, "must be at least 1ms")
	case d.WaitTimeout >= requestTimeout:
		return bad("AUDIENCE_REDIS_WAIT_TIMEOUT", d.WaitTimeout,
			"must be shorter than AUDIENCE_REQUEST_TIMEOUT")
	case d.WaitTimeout >= r.ReadTimeout:
		return bad("AUDIENCE_REDIS_WAIT_TIMEOUT", d.WaitTimeout,
			"must be shorter than AUDIENCE_REDIS_READ_TIMEOUT")
	}
	return nil
}
