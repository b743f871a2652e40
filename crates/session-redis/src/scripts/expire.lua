-- expire (events): ends the owner's sessions whose expiry has passed, each with its
-- session.expired event, and moves the owner in the partition's expiry schedule to its next
-- expiry, or out of it when nothing of it is left to expire. Replies 'ok' (how many expired
-- travels in every reply). Called for an entry of a queue (keys[6] the queue, keys[7] the
-- partition's queue heads; args: the entry, the queue's lifetime), it also takes that entry off
-- the queue's head, if it is still there.
local queue = KEYS[6]
if queue then
  local entry, life = ARGS[2], ARGS[3]
  if redis.call('LINDEX', queue, 0) == entry then
    redis.call('LPOP', queue)
    local first = redis.call('LINDEX', queue, 0)
    if first then
      redis.call('HSET', KEYS[7], life, (entry_parts(first)))
    else
      redis.call('HDEL', KEYS[7], life)
    end
  end
end
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
local next_at = nil
for _, h in pairs(st.heads) do
  if not next_at or h.expires < next_at then next_at = h.expires end
end
-- The owner's next entry, recorded (see small_life).
if next_at then set(st, 'w', ms(next_at)) elseif st.due then del(st, 'w') end
flush(st)
if next_at then redis.call('ZADD', EX, ms(next_at), H) else redis.call('ZREM', EX, H) end
return reply('ok')
