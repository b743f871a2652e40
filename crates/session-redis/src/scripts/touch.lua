-- touch: ARGV[3] = id, ARGV[4] = ttl ms, ARGV[5] = cap ms after creation ('' = none).
-- Returns the updated record (flat HGETALL), or {} when there is no live session.
local id = ARGV[3]
local ttl = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local ok = live(id)
if not ok then return {} end
local sk = skey(id)
local h = redis.call('HMGET', sk, 'created', 'parent')
local at = now + ttl
if cap then
  local created = tonumber(h[1])
  if not created then error('corrupt session record ' .. sk) end
  at = math.min(at, created + cap)
end
at = ms(at)
redis.call('HSET', sk, 'updated', ms(now), 'expires', at)
local out = redis.call('HGETALL', sk)
set_expiry(id, ok, at, h[2] or nil)
return out
