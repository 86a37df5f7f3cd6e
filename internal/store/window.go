package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/redis/go-redis/v9"
)

// spendWindow records one event in a sliding log of events, unless the log
// already holds limit events within the window. A token bucket would let
// a spent bucket refill during the window and so allow up to twice the
// limit in some windows; the log allows at most limit in any window, which
// is what login bounds promise. Logs are small (one entry an event, at most
// limit entries), so this costs little.
//
// KEYS[1] the log (sorted set, scored by milliseconds of the store clock)
// ARGV    window in milliseconds, limit, a unique id for the event
// returns {1, 0} when spent, {0, milliseconds until the oldest leaves}
var spendWindow = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}`)

// SpendWindow records one event under key (a name of the caller's, put
// under the store's prefix) unless limit events happened within window.
// It returns whether the event was allowed and, if not, how long until it
// would be.
func (s *Store) SpendWindow(ctx context.Context, key string, limit int,
	window time.Duration) (bool, time.Duration, error) {
	var id [8]byte
	_, _ = rand.Read(id[:])
	res, err := spendWindow.Run(ctx, s.rdb, []string{s.keys.prefix + key},
		window.Milliseconds(), limit, hex.EncodeToString(id[:])).Int64Slice()
	if err != nil {
		return false, 0, unavailable(err)
	}
	if len(res) != 2 {
		return false, 0, unavailable(redis.Nil)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}
