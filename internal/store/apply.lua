-- Applies the valid blocks of one user entry, atomically.
--
-- KEYS[1]  the user's membership hash
-- ARGV[1]  the store's clock in Unix seconds, read once for the whole
--          request; 0 reads it here, which spares a request of a few
--          users a round trip
-- ARGV     then triples: segment id, value, lifetime in minutes
--          (-1 removes the membership, 0 never expires)
--
-- Each field is "<segment id>" -> "<expiry>:<value>", expiry in Unix
-- seconds of the store's clock, 0 for never. Redis 7.0 has no per-field
-- TTL, so the key's own TTL is kept at the furthest expiry among the
-- fields that remain (none while one never expires) and Redis frees the
-- user by itself once all have expired. Expired fields are dropped here,
-- on every write, which is why the whole hash is read: it is small (a
-- listpack) in all but extreme cases.
--
-- This script runs once per user and is most of Redis's work, so it
-- checks nothing its caller has checked: Store.ApplyCounted refuses any
-- change out of range before it sends one. Redis does not undo what a
-- script wrote before it failed; the only argument this script could
-- fail on, a lifetime that is not a number, fails it before its first
-- write.
local key = KEYS[1]
local now = tonumber(ARGV[1])
if now == 0 then
  now = tonumber(redis.call('TIME')[1])
end

local live = {}
local drop = {}
local cur = redis.call('HGETALL', key)
for i = 1, #cur, 2 do
  -- A field this script did not write (no expiry to read) is dropped
  -- like an expired one, rather than blocking every write of the user.
  local digits = string.match(cur[i + 1], '^%d+')
  local exp = digits and tonumber(digits)
  if not exp or (exp ~= 0 and exp <= now) then
    drop[#drop + 1] = cur[i]
  else
    live[cur[i]] = exp
  end
end

local set = {}
for i = 2, #ARGV, 3 do
  local seg, minutes = ARGV[i], tonumber(ARGV[i + 2])
  if minutes < 0 then
    live[seg] = nil
    set[seg] = nil
    drop[#drop + 1] = seg
  else
    local exp = 0
    if minutes > 0 then exp = now + minutes * 60 end
    live[seg] = exp
    set[seg] = exp .. ':' .. ARGV[i + 1]
  end
end

-- HDEL before HSET: a segment removed and then written again in one
-- entry ends up written, as the blocks' order says. unpack is bounded by
-- Lua's stack, hence the chunks.
for i = 1, #drop, 1000 do
  redis.call('HDEL', key, unpack(drop, i, math.min(i + 999, #drop)))
end
local args = {}
for seg, v in pairs(set) do
  args[#args + 1] = seg
  args[#args + 1] = v
end
if #args > 0 then
  redis.call('HSET', key, unpack(args))
end

local furthest = 0
for _, exp in pairs(live) do
  if exp == 0 then
    furthest = -1
    break
  end
  if exp > furthest then furthest = exp end
end
if furthest < 0 then
  redis.call('PERSIST', key)
elseif furthest > 0 then
  redis.call('EXPIREAT', key, furthest)
end
return #args / 2
