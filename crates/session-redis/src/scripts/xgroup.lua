-- xgroup (events): creates the consumer group ARGS[2] at the end of the stream KEYS[1] and of
-- the streams ARGS[3...] (further partitions, while this node serves them), and each stream
-- that is missing; an existing group stays as it is. Replies 'ok', 0, how many streams it
-- answered.
local function create(stream)
  local r = redis.pcall('XGROUP', 'CREATE', stream, ARGS[2], '$', 'MKSTREAM')
  return not (type(r) == 'table' and r.err and not string.find(r.err, 'BUSYGROUP', 1, true))
end
create(KEYS[1])
local answered = 1
for i = 3, #ARGS do
  if not create(ARGS[i]) then break end
  answered = answered + 1
end
return { 'ok', 0, answered }
