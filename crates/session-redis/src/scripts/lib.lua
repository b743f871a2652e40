-- Helpers shared by every session script (prepended to each one).
--
-- KEYS[1]: the owner's index key `P:{O}:idx`; it routes the script to the owner's hash slot.
-- ARGV[1]: the owner's key base `P:{O}:`; every key a script touches starts with it, so all of
--          them share the hash tag `{O}` and live in one slot (one node) on Redis Cluster.
-- ARGV[2]: now, in ms since the epoch, from the gateway's clock.
--
-- Layout under the base (see docs/redis-keys.md):
--   s:<id>      HASH  one session; PEXPIREAT at its expiry
--   idx         ZSET  score 0, member = order key (lexical order = creation order)
--   exp         ZSET  score = expiry ms, member = order key
--   m:<gid>     ZSET  score = member expiry ms, member = member's order key
--   spent:<id>  SET   refresh hashes already spent by session <id>
local base = ARGV[1]
local now = tonumber(ARGV[2])
local IDX = base .. 'idx'
local EXP = base .. 'exp'
local argi = 2
-- How many expired entries a write that does not count removes on the way.
local PRUNE_STEP = 32
-- How many of the owner's index entries this script removed because their session had expired
-- (members removed with an expired group included). Every session script replies
-- {expired, reply} (see scripts.rs); the store tallies these by the owner's flavor.
local expired = 0

local function next_arg()
  argi = argi + 1
  return ARGV[argi]
end

local function skey(id) return base .. 's:' .. id end
local function mkey(id) return base .. 'm:' .. id end
local function spkey(id) return base .. 'spent:' .. id end

-- The id part of an order key `<16-digit ms>:<id>`.
local function id_of(ok) return string.match(ok, '^[^:]*:(.*)$') end

-- A number of ms as an integer string (never in exponent notation).
local function ms(n) return string.format('%.0f', n) end

-- The value of `name` in a flat HGETALL reply.
local function field(h, name)
  for i = 1, #h, 2 do
    if h[i] == name then return h[i + 1] end
  end
  return nil
end

-- Gives `zkey` (scored by expiry) the expiry of its longest-lived entry, and `also` the same.
local function expire_to_max(zkey, also)
  local top = redis.call('ZRANGE', zkey, -1, -1, 'WITHSCORES')
  if top[2] then
    local at = ms(tonumber(top[2]))
    redis.call('PEXPIREAT', zkey, at)
    if also then redis.call('PEXPIREAT', also, at) end
  end
end

-- Removes session `id` with its members (recursively), its spent set, its index entries and
-- its place in its group. With `ok`, only a session whose order key is `ok` is removed (a newer
-- session with the same id stays), and the index entries for `ok` go either way.
-- Returns how many session records were deleted.
local function remove_tree(id, ok)
  local sk = skey(id)
  local h = redis.call('HMGET', sk, 'okey', 'parent')
  local n = 0
  if h[1] and (ok == nil or h[1] == ok) then
    n = redis.call('DEL', sk)
    redis.call('ZREM', IDX, h[1])
    redis.call('ZREM', EXP, h[1])
    if h[2] then redis.call('ZREM', mkey(h[2]), h[1]) end
  end
  if not h[1] or ok == nil or h[1] == ok then
    -- The record is gone (or never outlived its index entries): so are its members.
    redis.call('DEL', spkey(id))
    local mk = mkey(id)
    local members = redis.call('ZRANGE', mk, 0, -1)
    redis.call('DEL', mk)
    for _, m in ipairs(members) do
      n = n + remove_tree(id_of(m), m)
    end
  end
  if ok then
    redis.call('ZREM', IDX, ok)
    redis.call('ZREM', EXP, ok)
  end
  return n
end

-- The order key of the live session `id`, or nil. An expired one is removed on the way.
local function live(id)
  local h = redis.call('HMGET', skey(id), 'okey', 'expires')
  if not h[1] then return nil end
  local e = tonumber(h[2])
  if not e then error('corrupt session record ' .. skey(id)) end
  if e <= now then
    local before = redis.call('ZCARD', IDX)
    remove_tree(id, h[1])
    expired = expired + before - redis.call('ZCARD', IDX)
    return nil
  end
  return h[1]
end

-- Drops the owner's expired sessions (by the gateway's clock) from every index: all of them,
-- or at most `limit` (writes that do not count prune a few, so that expired entries of an owner
-- that is never listed cannot pile up).
local function prune(limit)
  local dead
  if limit then
    dead = redis.call('ZRANGEBYSCORE', EXP, '-inf', ms(now), 'LIMIT', 0, limit)
  else
    dead = redis.call('ZRANGEBYSCORE', EXP, '-inf', ms(now))
  end
  if #dead == 0 then return end
  local before = redis.call('ZCARD', IDX)
  for _, ok in ipairs(dead) do
    remove_tree(id_of(ok), ok)
  end
  expired = expired + before - redis.call('ZCARD', IDX)
end

-- Reads one encoded session from ARGV: id, order key, expiry ms, parent ('' = none), n, then
-- n hash field/value items.
local function read_session()
  local s = { id = next_arg(), ok = next_arg(), exp = next_arg(), parent = next_arg() }
  if s.parent == '' then s.parent = nil end
  local n = tonumber(next_arg())
  s.fields = {}
  for i = 1, n do s.fields[i] = next_arg() end
  return s
end

-- Records order key `ok` expiring at `exp` in the owner's indexes and its group's roll.
local function index(ok, exp, parent)
  redis.call('ZADD', IDX, 0, ok)
  redis.call('ZADD', EXP, exp, ok)
  expire_to_max(EXP, IDX)
  if parent then
    local mk = mkey(parent)
    redis.call('ZADD', mk, exp, ok)
    expire_to_max(mk)
  end
end

-- Stores a session read by read_session.
local function insert(s)
  local sk = skey(s.id)
  redis.call('DEL', sk)
  redis.call('HSET', sk, unpack(s.fields))
  redis.call('PEXPIREAT', sk, s.exp)
  index(s.ok, s.exp, s.parent)
end

-- Moves the expiry of session `id` (whose hash already holds it) everywhere it is kept.
-- An expiry in the past deletes the record at once, so read it before calling this.
local function set_expiry(id, ok, exp, parent)
  redis.call('PEXPIREAT', skey(id), exp)
  redis.call('PEXPIREAT', spkey(id), exp)
  index(ok, exp, parent)
end

