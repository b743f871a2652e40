-- expire (events): ends the owner's sessions whose expiry has passed, each with its
-- session.expired event, and moves the owner in the partition's expiry schedule to its next
-- expiry, or out of it when nothing of it is left to expire. Replies 'ok' (how many expired
-- travels in every reply).
local marker = redis.call('HGET', H, '~')
if not marker then
  redis.call('ZREM', EX, H)
  return reply('ok')
end
local meta = parse_meta(marker)
if meta then
  -- A large owner: a bounded number of steps; what is left stays due for the next sweep.
  for _ = 1, 32 do
    if large_prune(meta) < PRUNE_STEP then break end
  end
  local first = redis.call('ZRANGE', X, 0, 0, 'WITHSCORES')
  if first[1] then redis.call('ZADD', EX, first[2], H) else redis.call('ZREM', EX, H) end
  return reply('ok')
end
local st = load()
prune_all(st)
flush(st)
local next_at = nil
for _, h in pairs(st.heads) do
  if not next_at or h.expires < next_at then next_at = h.expires end
end
if next_at then redis.call('ZADD', EX, ms(next_at), H) else redis.call('ZREM', EX, H) end
return reply('ok')
