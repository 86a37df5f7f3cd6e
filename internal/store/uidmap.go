package store

import (
	"context"
	_ "embed"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A member's user id mapping (external id -> platform user id) is spread
// over hashes, the buckets, rather than kept as one key per mapping: a
// small hash stores a mapping in about half the memory of a key of its
// own (docs/api.md gives the measured figures). The bucket of an id is
// fixed by its hash, so the number of buckets can never change without
// losing every mapping. 65536 buckets hold 2 to 33 million mappings of
// one member at 32 to 512 per bucket, where a bucket is compact; a member
// with fewer pays more per mapping, and past that, buckets turn into
// full hash tables and cost about what keys would.
const defaultUIDBuckets = 1 << 16

//go:embed uidmap.lua
var uidMapSource string

var uidMapScript = redis.NewScript(uidMapSource)

// maxPairsPerCall bounds the pairs of one script call, whose arguments
// Lua unpacks onto its stack.
const maxPairsPerCall = 1000

// UIDMapping maps a member's own ("external") id of a user to the
// platform's user id.
type UIDMapping struct {
	ExternalID string // at most 64 bytes, so that buckets stay compact
	UserID     string // a normalised platform user id
}

// MapUIDs writes mappings into member's mapping, in order (of two
// mappings of one external id, the last wins), each to live ttl from now
// on the store's clock; writing a mapping again replaces its user id and
// restarts its lifetime. All buckets are written in one pipeline, each
// atomically. On error some mappings may have been written: the caller
// answers 503, and writing the same mappings again is harmless.
func (s *Store) MapUIDs(ctx context.Context, member int64, maps []UIDMapping,
	ttl time.Duration,
) error {
	if len(maps) == 0 {
		return nil
	}
	secs := max(int64(ttl/time.Second), 1)
	// A bucket is swept of expired mappings at most every 1/32 of their
	// lifetime, so expired ones linger that long at most in a bucket that
	// is written, and a bucket's full read costs little per write.
	sweep := max(secs/32, 1)

	// One script call per bucket, in the order the buckets first appear.
	order := []string{}
	pairs := map[string][]any{}
	for _, m := range maps {
		key := s.uidBucket(member, m.ExternalID)
		if _, ok := pairs[key]; !ok {
			order = append(order, key)
		}
		pairs[key] = append(pairs[key], m.ExternalID, m.UserID)
	}
	batch := make([]scriptCall, 0, len(order))
	for _, key := range order {
		for p := pairs[key]; len(p) > 0; {
			n := min(len(p), 2*maxPairsPerCall)
			args := append([]any{secs, sweep}, p[:n]...)
			batch = append(batch, scriptCall{key: key, args: args})
			p = p[n:]
		}
	}
	return s.runScript(ctx, uidMapScript, batch)
}

// ResolveUIDs returns the live mappings of member for ids, external id
// -> platform user id, in one pipelined round trip (one per node on a
// Cluster). Ids without a live mapping are left out.
func (s *Store) ResolveUIDs(ctx context.Context, member int64, ids []string,
) (map[string]string, error) {
	found := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return found, nil
	}
	byKey := map[string][]string{}
	for _, id := range ids {
		key := s.uidBucket(member, id)
		byKey[key] = append(byKey[key], id)
	}

	var now *redis.TimeCmd
	reads := make(map[string]*redis.SliceCmd, len(byKey))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		now = p.Time(ctx)
		for key, fields := range byKey {
			reads[key] = p.HMGet(ctx, key, fields...)
		}
		return nil
	})
	if err != nil {
		return nil, unavailable(err)
	}

	t := now.Val().Unix()
	for key, cmd := range reads {
		for i, v := range cmd.Val() {
			if s, ok := v.(string); ok {
				if user, ok := liveMapping(s, t); ok {
					found[byKey[key][i]] = user
				}
			}
		}
	}
	return found, nil
}

// liveMapping reads a value written by uidmap.lua: the user id, unless
// the mapping expired at or before now. A value that does not parse was
// not written by this service and maps nothing.
func liveMapping(v string, now int64) (string, bool) {
	expS, user, ok := strings.Cut(v, ":")
	if !ok || user == "" {
		return "", false
	}
	exp, err := strconv.ParseInt(expS, 10, 64)
	if err != nil || exp <= now {
		return "", false
	}
	return user, true
}

// uidBucket names the bucket of an external id in member's mapping.
func (s *Store) uidBucket(member int64, externalID string) string {
	n := s.uidBuckets
	if n == 0 {
		n = defaultUIDBuckets
	}
	return s.keys.uidMap(member, fnv32a(externalID)%n)
}

// fnv32a is the 32-bit FNV-1a hash: fixed forever, as it places every
// mapping in its bucket.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
