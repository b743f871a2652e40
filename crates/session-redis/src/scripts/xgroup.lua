-- xgroup (events): creates the consumer group ARGS[2] at the end of each partition's stream,
-- ARGS[3...] (the first one's also KEYS[1]; the others while this node serves them, see
-- `across`), and each stream that is missing; an existing group stays as it is. Replies 'ok',
-- 0, how many streams it answered.
local function create(_, _, stream)
  local r = redis.pcall('XGROUP', 'CREATE', stream, ARGS[2], '$', 'MKSTREAM')
  return not (type(r) == 'table' and r.err and not string.find(r.err, 'BUSYGROUP', 1, true))
end
return across(3, 1, create)
