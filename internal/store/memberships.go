package store

import (
	"context"
	_ "embed"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed apply.lua
var applySource string

var applyScript = redis.NewScript(applySource)

// ApplyScriptSHA returns the SHA1 of the script that applies one user
// entry, by which Redis knows it once Apply has run: make bench calls it
// with redis-benchmark to measure what Redis alone can do.
func ApplyScriptSHA() string { return applyScript.Hash() }

// UserWrite is one user entry to apply: the user and its changes, in the
// order the request gave them.
type UserWrite struct {
	Domain  string // canonical domain, "" for the platform's own ids
	ID      string // normalised id
	Changes []Change
}

// Change sets or removes one membership.
type Change struct {
	SegID   int64
	Value   int64
	Minutes int64 // -1 removes, 0 never expires, otherwise the lifetime
}

// Membership is one live membership of a user.
type Membership struct {
	SegID     int64
	Value     int64
	ExpiresAt time.Time // zero: never expires
}

// Apply writes the user entries, each atomically by one script call, all
// of them in one pipeline. It returns only once Redis has applied every
// entry; on error some entries may have been applied and others not, and
// the caller answers 503 so that the client retries the whole request
// (applying an entry twice leaves the same memberships). With
// WaitForReplicas, it also waits until enough replicas confirmed them.
func (s *Store) Apply(ctx context.Context, users []UserWrite) error {
	return s.ApplyCounted(ctx, users, nil)
}

// ApplyCounted does what Apply does and adds usage to its member's
// statistics in the same pipeline, so counting costs no round trip of its
// own. A nil usage counts nothing.
func (s *Store) ApplyCounted(ctx context.Context, users []UserWrite, usage *Usage) error {
	if len(users) == 0 && usage.empty() {
		return nil
	}
	calls, err := s.applyCalls(ctx, users)
	if err != nil {
		return err
	}
	cmds := make([]*redis.Cmd, len(users))
	var counting []redis.Cmder
	var waited *redis.Cmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, call := range calls {
			cmds[i] = p.Do(ctx, call...)
		}
		counting = s.queueUsage(ctx, p, usage)
		// Last, on the same connection: it waits for all of the above.
		waited = s.queueWait(ctx, p)
		return nil
	})
	if err == nil {
		return s.checkWait(waited)
	}
	// Counting commands and WAIT are plain ones: NOSCRIPT cannot hit
	// them, so any failure among them is the store failing.
	for _, c := range counting {
		if c.Err() != nil {
			return unavailable(c.Err())
		}
	}
	if waited != nil && waited.Err() != nil {
		return unavailable(waited.Err())
	}
	if err := s.retryUnloaded(ctx, calls, cmds); err != nil {
		return err
	}
	return s.checkWait(waited)
}

// retryUnloaded runs again, with the script's source, the entries whose
// call failed because Redis did not know the script (after a restart, a
// failover or SCRIPT FLUSH). NOSCRIPT means the script did not run, so
// nothing of those entries was applied. Any other failure is returned.
func (s *Store) retryUnloaded(ctx context.Context, calls [][]any, cmds []*redis.Cmd) error {
	var again []int
	for i, c := range cmds {
		switch err := c.Err(); {
		case err == nil:
		case redis.HasErrorPrefix(err, "NOSCRIPT"):
			again = append(again, i)
		default:
			return unavailable(err)
		}
	}
	var waited *redis.Cmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, i := range again {
			p.Do(ctx, withSource(calls[i])...)
		}
		waited = s.queueWait(ctx, p)
		return nil
	})
	if err != nil {
		return unavailable(err)
	}
	return s.checkWait(waited)
}

// Memberships returns the live memberships of one user, and the store's
// clock at the time of reading. Fields past their expiry are left out:
// they linger until the user is next written or the key expires.
func (s *Store) Memberships(ctx context.Context, domain, id string) ([]Membership, time.Time, error) {
	return s.MembershipsRead(domain, id).Result(ctx)
}

// MembershipsRead is Memberships as a Rider: it may travel in another
// call's round trip (see Along), and Result then reads its reply.
type MembershipsRead struct {
	s   *Store
	key string
	now *redis.TimeCmd
	all *redis.MapStringStringCmd
}

// MembershipsRead prepares the read of one user's memberships.
func (s *Store) MembershipsRead(domain, id string) *MembershipsRead {
	return &MembershipsRead{s: s, key: s.keys.user(domain, id)}
}

func (r *MembershipsRead) home() *Store { return r.s }

func (r *MembershipsRead) ride(ctx context.Context, p redis.Pipeliner) {
	r.now = p.Time(ctx)
	r.all = p.HGetAll(ctx, r.key)
}

// Result returns what Memberships returns. It reads now if the read did
// not ride along with other work.
func (r *MembershipsRead) Result(ctx context.Context) ([]Membership, time.Time, error) {
	if r.all == nil {
		_, _ = r.s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			r.ride(ctx, p)
			return nil
		})
	}
	if err := r.now.Err(); err != nil {
		return nil, time.Time{}, unavailable(err)
	}
	if err := r.all.Err(); err != nil {
		return nil, time.Time{}, unavailable(err)
	}
	t := r.now.Val()
	out := make([]Membership, 0, len(r.all.Val()))
	for field, v := range r.all.Val() {
		m, ok := parseMembership(field, v)
		if !ok || (!m.ExpiresAt.IsZero() && !m.ExpiresAt.After(t)) {
			continue
		}
		out = append(out, m)
	}
	return out, t, nil
}

// parseMembership reads a field written by apply.lua. A field that does
// not parse was not written by this service and is skipped.
func parseMembership(field, v string) (Membership, bool) {
	seg, err := strconv.ParseInt(field, 10, 64)
	if err != nil {
		return Membership{}, false
	}
	expS, valS, ok := strings.Cut(v, ":")
	if !ok {
		return Membership{}, false
	}
	exp, err1 := strconv.ParseInt(expS, 10, 64)
	val, err2 := strconv.ParseInt(valS, 10, 64)
	if err1 != nil || err2 != nil {
		return Membership{}, false
	}
	m := Membership{SegID: seg, Value: val}
	if exp != 0 {
		m.ExpiresAt = time.Unix(exp, 0).UTC()
	}
	return m, true
}
