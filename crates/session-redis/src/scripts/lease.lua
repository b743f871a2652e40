-- lease (events): takes or keeps the lease KEYS[1] for a worker (op 'take'), or gives it up
-- (op 'drop'): ARGV op, worker, ttl ms. Replies 'ok' and 1 when the worker holds it now.
local K = KEYS[1]
local op, worker, ttl = ARGS[2], ARGS[3], ARGS[4]
local holder = redis.call('GET', K)
if op == 'drop' then
  if holder == worker then redis.call('DEL', K) end
  return reply('ok', 0)
end
if holder and holder ~= worker then return reply('ok', 0) end
redis.call('SET', K, worker, 'PX', ttl)
return reply('ok', 1)
