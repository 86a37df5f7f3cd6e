-- Writes mappings into one bucket of a member's user id mapping.
--
-- KEYS[1]  the bucket (hash)
-- ARGV[1]  lifetime of each mapping, in seconds
-- ARGV[2]  sweep interval, in seconds
-- ARGV     then pairs: external id, platform user id
--
-- Each field is "<external id>" -> "<expiry>:<user id>", expiry in Unix
-- seconds of the store's clock, rounded up so that a mapping never dies
-- early; readers ignore a mapping from its expiry on. Redis 7.0 has no
-- per-field TTL, so the key's own expiry is kept at the furthest one
-- among its fields: a bucket nobody writes any more is freed by Redis.
--
-- A bucket that keeps being written keeps living, so it is swept here of
-- expired mappings, but at most once per sweep interval (the next sweep's
-- time is the field "", which no external id can be): a bucket holds up
-- to a few hundred mappings, too many to read on every write.
local key = KEYS[1]
local time = redis.call('TIME')
local now = tonumber(time[1])
local expiry = now + tonumber(ARGV[1])
if tonumber(time[2]) > 0 then
  expiry = expiry + 1
end

local set = {}
local prefix = string.format('%d:', expiry)
for i = 3, #ARGV, 2 do
  set[#set + 1] = ARGV[i]
  set[#set + 1] = prefix .. ARGV[i + 1]
end
if #set > 0 then
  redis.call('HSET', key, unpack(set))
end

local due = tonumber(redis.call('HGET', key, '') or '0')
if due == nil or due <= now then
  local all = redis.call('HGETALL', key)
  local drop = {}
  for i = 1, #all, 2 do
    local exp = string.match(all[i + 1], '^(%d+):')
    if all[i] ~= '' and exp and tonumber(exp) <= now then
      drop[#drop + 1] = all[i]
    end
  end
  -- unpack is bounded by Lua's stack, hence the chunks.
  for i = 1, #drop, 1000 do
    redis.call('HDEL', key, unpack(drop, i, math.min(i + 999, #drop)))
  end
  redis.call('HSET', key, '', now + tonumber(ARGV[2]))
end

-- EXPIRETIME is -1 for a key without one, such as a bucket just made.
if redis.call('EXPIRETIME', key) < expiry then
  redis.call('EXPIREAT', key, expiry)
end
return #set / 2
