-- update: ARGV[3] = id, then (field, op, value) triples; op 's' sets, 'c' clears.
-- Returns the updated record (flat HGETALL), or {} when there is no live session.
local id = ARGV[3]
if not live(id) then return {} end
local sk = skey(id)
for i = 4, #ARGV, 3 do
  if ARGV[i + 1] == 's' then
    redis.call('HSET', sk, ARGV[i], ARGV[i + 2])
  else
    redis.call('HDEL', sk, ARGV[i])
  end
end
redis.call('HSET', sk, 'updated', ms(now))
return redis.call('HGETALL', sk)
