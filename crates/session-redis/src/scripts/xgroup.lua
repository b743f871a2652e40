-- xgroup (events): creates the consumer group ARGV[2] on the stream KEYS[1], at its end (and the
-- stream when it is missing); an existing group stays as it is. Replies 'ok'.
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGS[2], '$', 'MKSTREAM')
return reply('ok')
