-- due (events): what the sweep of a partition has to do now (keys: the schedule, the queue
-- heads, the stream; args: how many at most). Replies 'ok', then three fields per owner to
-- expire: the owner's key, and for an entry at the head of a queue the queue's lifetime and
-- the entry ('' and '' for the schedule). The schedule's owners come first, then each due
-- queue's entries in order, up to the first that is not due.
local limit = tonumber(ARGS[2])
local out = { 'ok', 0 }
local n = 0
for _, owner in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_text, 'LIMIT', '0', ARGS[2])) do
  out[#out + 1] = owner; out[#out + 1] = ''; out[#out + 1] = ''
  n = n + 1
end
local heads = redis.call('HGETALL', KEYS[2])
for i = 1, #heads, 2 do
  if n >= limit then break end
  if tonumber(heads[i + 1]) <= now then
    for _, entry in ipairs(redis.call('LRANGE', queue_key(KEYS[3], heads[i]), 0, limit - n - 1)) do
      local at, owner = entry_parts(entry)
      if not at or tonumber(at) > now then break end
      out[#out + 1] = owner; out[#out + 1] = heads[i]; out[#out + 1] = entry
      n = n + 1
    end
  end
end
return out
