-- touch: ARGV id, ttl ms, cap ms ('' = none). Replies 'ok', head, body | false; or 'none'.
local id, ttl, cap = ARGS[2], tonumber(ARGS[3]), tonumber(ARGS[4])

local function moved(rec)
  local h = head(rec)
  local until_ = now + ttl
  if cap and h.created + cap < until_ then until_ = h.created + cap end
  return with_times(rec, now, until_), until_, h
end

local m = redis.call('HMGET', H, '~', 's' .. id, 'd' .. id)
local meta = parse_meta(m[1])
if meta and not meta.mono then
  -- A large owner already ordered by C: only X moves.
  if not m[2] or expires_of(m[2]) <= now then return reply('none') end
  local rec, until_ = moved(m[2])
  local raise = until_ > meta.key_exp
  if raise then meta.key_exp = until_ + SLACK end
  redis.call('HSET', H, 's' .. id, rec, '~', meta_text(meta))
  redis.call('ZADD', X, ms(until_), id)
  schedule(until_) -- events
  if raise then
    redis.call('PEXPIREAT', X, ms(meta.key_exp))
    redis.call('PEXPIREAT', C, ms(meta.key_exp))
    if redis.call('HEXISTS', H, 'u') == 0 then redis.call('PEXPIREAT', H, ms(meta.key_exp)) end
  end
  local moved_head, body = split_stored(rec)
  return reply('ok', moved_head, body or m[3] or false)
end

local st = load()
prune_all(st)
local rec = st.recs[id]
if not rec then flush(st); return reply('none') end
local moved_rec, until_ = moved(rec)
schedule(until_) -- events
replace(st, id, moved_rec)
flush(st)
return reply('ok', moved_rec, st.bodies[id] or false)
