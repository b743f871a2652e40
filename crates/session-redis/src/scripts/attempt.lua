-- count_attempt: keys[1] A  P:3:a:{<key>}  ZSET  the window's counted attempts: id scored by time.
-- ARGV max, span ms. Drops the attempts older than the span, then counts this one unless max are
-- counted already. Replies 'ok', id when counted; 'refused', ms until the oldest leaves, when not.
local A = H
local max, span = tonumber(arg()), tonumber(arg())
redis.call('ZREMRANGEBYSCORE', A, '-inf', ms(now - span))
local n = redis.call('ZCARD', A)
if n >= max then
  local oldest = redis.call('ZRANGE', A, 0, 0, 'WITHSCORES')
  return reply('refused', math.max(1, tonumber(oldest[2]) + span - now))
end
-- Ids are the time and a number free in the window, so no two counted attempts share one.
local i = n
while redis.call('ZADD', A, 'NX', ms(now), ARGS[1] .. '.' .. i) == 0 do i = i + 1 end
redis.call('PEXPIREAT', A, ms(now + span))
return reply('ok', ARGS[1] .. '.' .. i)
