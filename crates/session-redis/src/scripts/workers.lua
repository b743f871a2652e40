-- workers (events): records in KEYS[1] that the worker ARGV[2] is alive for ARGV[3] ms, forgets
-- those whose time has passed. Replies 'ok' and how many are alive.
redis.call('ZADD', KEYS[1], ms(now + tonumber(ARGS[3])), ARGS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_text)
return reply('ok', redis.call('ZCARD', KEYS[1]))
