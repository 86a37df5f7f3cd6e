package store

import (
	"context"
	"fmt"
)

// MaxLifetimeMinutes is the longest lifetime a change may give: 100 years,
// which keeps expiry times where EXPIREAT takes them.
const MaxLifetimeMinutes = 52_560_000

// clockBatch is the number of users from which a request reads the
// store's clock once, in a round trip of its own, and passes it to every
// script call. Below it each call reads the clock itself: a round trip
// costs a small request more than the script's own read (about 3 µs of
// Redis's time, measured with INFO commandstats) saves.
const clockBatch = 16

// applyCalls returns the script call of each user entry as the whole
// command, ready for Pipeliner.Do: EVALSHA, the script's hash, one key,
// the store's clock (or 0) and the changes. The calls share one backing
// array and each distinct number is boxed once, so that a 1000-user
// request costs a few allocations per user rather than a dozen.
//
// Every change is checked first: a lifetime out of range fails the whole
// request before anything is sent.
func (s *Store) applyCalls(ctx context.Context, users []UserWrite) ([][]any, error) {
	n := 0
	for _, u := range users {
		for _, c := range u.Changes {
			if c.Minutes < -1 || c.Minutes > MaxLifetimeMinutes {
				return nil, fmt.Errorf("invalid change for segment %d: lifetime %d minutes,"+
					" want -1 to %d", c.SegID, c.Minutes, MaxLifetimeMinutes)
			}
		}
		n += 5 + 3*len(u.Changes)
	}

	var now any = "0"
	if len(users) >= clockBatch {
		t, err := s.rdb.Time(ctx).Result()
		if err != nil {
			return nil, unavailable(err)
		}
		now = t.Unix()
	}

	sha := applyScript.Hash()
	box := boxes{}
	all := make([]any, 0, n)
	calls := make([][]any, len(users))
	for i, u := range users {
		start := len(all)
		all = append(all, "evalsha", sha, "1", s.keys.user(u.Domain, u.ID), now)
		for _, c := range u.Changes {
			all = append(all, box.of(c.SegID), box.of(c.Value), box.of(c.Minutes))
		}
		// The full slice expression keeps a later append from one call
		// running into the next.
		calls[i] = all[start:len(all):len(all)]
	}
	return calls, nil
}

// withSource turns a call made by applyCalls into EVAL with the script's
// source, for Redis to run and cache when it did not know the script.
func withSource(call []any) []any {
	call[0], call[1] = "eval", applySource
	return call
}

// boxes holds one interface value per distinct number: a request names a
// few segments, values and lifetimes many times over.
type boxes map[int64]any

func (b boxes) of(n int64) any {
	v, ok := b[n]
	if !ok {
		v = n
		b[n] = v
	}
	return v
}
