-- rotate_refresh: ARGV[3] = id, ARGV[4] = presented refresh hash, ARGV[5] = new token hash,
-- ARGV[6] = new refresh hash, ARGV[7] = new expiry ms.
-- Returns {'ok', record} | {'notfound'} | {'replay'} | {'unauthorized'}.
local id = ARGV[3]
local presented = ARGV[4]
local ok = live(id)
if not ok then return { 'notfound' } end
local sk = skey(id)
local h = redis.call('HMGET', sk, 'refresh_hash', 'parent')
if h[1] and h[1] == presented then
  redis.call('HSET', sk, 'token_hash', ARGV[5], 'refresh_hash', ARGV[6], 'expires', ARGV[7],
    'updated', ms(now))
  redis.call('SADD', spkey(id), h[1])
  local out = redis.call('HGETALL', sk)
  set_expiry(id, ok, ARGV[7], h[2] or nil)
  return { 'ok', out }
end
if redis.call('SISMEMBER', spkey(id), presented) == 1 then
  remove_tree(id, nil)
  return { 'replay' }
end
return { 'unauthorized' }
