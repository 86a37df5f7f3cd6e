package store

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Member is a customer account.
type Member struct {
	ID      int64
	Enabled bool
	// DefaultExpiration is the lifetime in minutes of a membership whose
	// block gives none (0 = never); nil means the service-wide default.
	DefaultExpiration *int64
	// AllowedMembers are the other members whose segments this member may
	// populate.
	AllowedMembers []int64
	// Limits overrides the service-wide rate limits; a zero field keeps
	// the service-wide value.
	Limits Limits
	// ExternalIDs says that the member's domain-less user ids are its own
	// ("external") ids, resolved to platform ids through a mapping.
	ExternalIDs bool
	// MappingMember is the member whose mapping resolves them: 0 for the
	// member's own, else another member that lists this one in its
	// MappingSharedWith.
	MappingMember int64
	// MappingSharedWith are the other members allowed to resolve their
	// external ids through this member's mapping.
	MappingSharedWith []int64
}

// Limits are per-second rate limits of one member.
type Limits struct {
	PostPerSec  int64
	GetPerSec   int64
	UsersPerSec int64
}

// ErrExists is returned when a record to create exists already.
var ErrExists = errors.New("already exists")

// Member fields. Short names: they are stored once per member, but read on
// every cache refresh.
const (
	fEnabled  = "enabled"
	fDefExp   = "default_expiration"
	fAllowed  = "allowed"
	fLimPost  = "limit_post"
	fLimGet   = "limit_get"
	fLimUsers = "limit_users"
	fExtIDs   = "ext_ids"
	fMapOf    = "map_member"
	fMapShare = "map_shared"
)

// createIfMissing writes a hash only when its key does not exist, so that
// provisioning never overwrites what an operator set.
var createIfMissing = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`)

// updateIfExists sets fields of a hash only when the hash exists, so that
// an update never creates a half-made record.
var updateIfExists = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`)

// update runs updateIfExists; ErrNotFound when the record does not exist.
func (s *Store) update(ctx context.Context, key string, fieldsAndValues ...any) error {
	n, err := updateIfExists.Run(ctx, s.rdb, []string{key}, fieldsAndValues...).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// CreateMember adds a member; ErrExists if one has the same id.
func (s *Store) CreateMember(ctx context.Context, m Member) error {
	created, err := createIfMissing.Run(ctx, s.rdb, []string{s.keys.member(m.ID)},
		memberFields(m)...).Int()
	if err != nil {
		return unavailable(err)
	}
	if created == 0 {
		return ErrExists
	}
	return nil
}

// PutMember writes a member whole, creating or replacing it.
func (s *Store) PutMember(ctx context.Context, m Member) error {
	key := s.keys.member(m.ID)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, memberFields(m)...)
		return nil
	})
	return unavailable(err)
}

// Member reads one member; ErrNotFound if there is none.
func (s *Store) Member(ctx context.Context, id int64) (Member, error) {
	h, err := s.rdb.HGetAll(ctx, s.keys.member(id)).Result()
	if err != nil {
		return Member{}, unavailable(err)
	}
	if len(h) == 0 {
		return Member{}, ErrNotFound
	}
	return parseMember(id, h), nil
}

func memberFields(m Member) []any {
	f := []any{
		fEnabled, boolString(m.Enabled),
		fAllowed, joinIDs(m.AllowedMembers),
		fLimPost, m.Limits.PostPerSec,
		fLimGet, m.Limits.GetPerSec,
		fLimUsers, m.Limits.UsersPerSec,
		fExtIDs, boolString(m.ExternalIDs),
		fMapOf, m.MappingMember,
		fMapShare, joinIDs(m.MappingSharedWith),
	}
	if m.DefaultExpiration != nil {
		f = append(f, fDefExp, *m.DefaultExpiration)
	}
	return f
}

func parseMember(id int64, h map[string]string) Member {
	m := Member{ID: id, Enabled: h[fEnabled] == "1", AllowedMembers: splitIDs(h[fAllowed])}
	if v, ok := h[fDefExp]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			m.DefaultExpiration = &n
		}
	}
	m.Limits.PostPerSec, _ = strconv.ParseInt(h[fLimPost], 10, 64)
	m.Limits.GetPerSec, _ = strconv.ParseInt(h[fLimGet], 10, 64)
	m.Limits.UsersPerSec, _ = strconv.ParseInt(h[fLimUsers], 10, 64)
	// Members written before these fields existed read as false, 0, none.
	m.ExternalIDs = h[fExtIDs] == "1"
	m.MappingMember, _ = strconv.ParseInt(h[fMapOf], 10, 64)
	m.MappingSharedWith = splitIDs(h[fMapShare])
	return m
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func splitIDs(s string) []int64 {
	var ids []int64
	for _, p := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}
