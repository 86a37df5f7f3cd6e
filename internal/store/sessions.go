package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Session is what a token stands for. The token itself is never stored:
// sessions are found by the token's hash.
type Session struct {
	User     string
	MemberID int64
	IssuedAt time.Time
}

// openSession writes a session stamped with the store's clock, with the
// idle lifetime as its TTL.
//
// KEYS[1] the session; ARGV: user, member, idle seconds.
var openSession = redis.NewScript(`
local now = redis.call('TIME')[1]
redis.call('HSET', KEYS[1], 'user', ARGV[1], 'member', ARGV[2], 'iat', now)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return now`)

// touchSession reads a session and renews its idle lifetime, never past
// its hard end (issue time + hard lifetime), in one round trip.
//
// KEYS[1] the session; ARGV: idle seconds, hard lifetime seconds.
var touchSession = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'user', 'member', 'iat')
if not v[1] or not v[3] then return false end
local left = tonumber(v[3]) + tonumber(ARGV[2]) - tonumber(redis.call('TIME')[1])
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('EXPIRE', KEYS[1], math.min(tonumber(ARGV[1]), left))
return v`)

// OpenSession stores a new session under the token's hash, and indexes it
// under its user so that all of a user's sessions can be revoked.
func (s *Store) OpenSession(ctx context.Context, tokenHash string, sess Session,
	idle, hard time.Duration) (Session, error) {
	var iat *redis.Cmd
	index := s.keys.userTokens(sess.User)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		iat = openSession.Eval(ctx, p, []string{s.keys.session(tokenHash)},
			sess.User, sess.MemberID, int64(idle/time.Second))
		p.SAdd(ctx, index, tokenHash)
		p.Expire(ctx, index, hard)
		return nil
	})
	if err != nil {
		return sess, unavailable(err)
	}
	sec, _ := iat.Int64()
	sess.IssuedAt = time.Unix(sec, 0).UTC()
	return sess, nil
}

// TouchSession returns the session of a token hash and renews its idle
// lifetime; ErrNotFound when it does not exist or has expired.
func (s *Store) TouchSession(ctx context.Context, tokenHash string,
	idle, hard time.Duration) (Session, error) {
	return s.SessionTouch(tokenHash, idle, hard).Session(ctx)
}

// SessionTouch is TouchSession as a Rider: it may travel in another
// call's round trip (see Along), and Session then reads its reply.
type SessionTouch struct {
	s          *Store
	key        string
	idle, hard int64
	cmd        *redis.Cmd
}

// SessionTouch prepares the touch of a token hash's session.
func (s *Store) SessionTouch(tokenHash string, idle, hard time.Duration) *SessionTouch {
	return &SessionTouch{s: s, key: s.keys.session(tokenHash),
		idle: int64(idle / time.Second), hard: int64(hard / time.Second)}
}

func (t *SessionTouch) home() *Store { return t.s }

func (t *SessionTouch) ride(ctx context.Context, p redis.Pipeliner) {
	t.cmd = touchSession.EvalSha(ctx, p, []string{t.key}, t.idle, t.hard)
}

// Session returns what TouchSession returns. It touches the session now
// if the touch did not ride, or if Redis did not know the script then
// (NOSCRIPT: it did not run).
func (t *SessionTouch) Session(ctx context.Context) (Session, error) {
	if t.cmd == nil || redis.HasErrorPrefix(t.cmd.Err(), "NOSCRIPT") {
		t.cmd = touchSession.Run(ctx, t.s.rdb, []string{t.key}, t.idle, t.hard)
	}
	v, err := t.cmd.Slice()
	if errors.Is(err, redis.Nil) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, unavailable(err)
	}
	if len(v) != 3 {
		return Session{}, ErrNotFound
	}
	user, _ := v[0].(string)
	memberS, _ := v[1].(string)
	iatS, _ := v[2].(string)
	member, _ := strconv.ParseInt(memberS, 10, 64)
	iat, _ := strconv.ParseInt(iatS, 10, 64)
	return Session{User: user, MemberID: member, IssuedAt: time.Unix(iat, 0).UTC()}, nil
}

// RevokeSession ends the session of one token hash. Revoking one that does
// not exist is not an error.
func (s *Store) RevokeSession(ctx context.Context, tokenHash string) error {
	key := s.keys.session(tokenHash)
	user, err := s.rdb.HGet(ctx, key, "user").Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return unavailable(err)
	}
	if err := s.rdb.Del(ctx, key).Err(); err != nil {
		return unavailable(err)
	}
	return unavailable(s.rdb.SRem(ctx, s.keys.userTokens(user), tokenHash).Err())
}

// RevokeUserSessions ends every session of a user and returns how many
// were live.
func (s *Store) RevokeUserSessions(ctx context.Context, user string) (int, error) {
	index := s.keys.userTokens(user)
	hashes, err := s.rdb.SMembers(ctx, index).Result()
	if err != nil {
		return 0, unavailable(err)
	}
	dels := make([]*redis.IntCmd, len(hashes))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, h := range hashes {
			dels[i] = p.Del(ctx, s.keys.session(h))
		}
		p.Del(ctx, index)
		return nil
	})
	if err != nil {
		return 0, unavailable(err)
	}
	n := 0
	for _, d := range dels {
		n += int(d.Val())
	}
	return n, nil
}
