-- delete: ARGV id, guard id (''), guard token, guard role (''); with events on, the revocation's
-- event kind (`ro` logout, `ra` admin). Replies 'ok' and the number of sessions deleted; or
-- 'unauthorized' or 'forbidden'.
local id, gid, gtoken, grole, reason = unpack(ARGS, 2, 6)

if gid == '' then
  local m = redis.call('HMGET', H, '~', 's' .. id, 'd' .. id)
  local meta = parse_meta(m[1])
  if meta then
    -- Large owners hold no groups: one session at most.
    if not m[2] then return reply('ok', 0) end
    if E then -- events
      local kind = expires_of(m[2]) <= now and 'x' or reason
      emit(kind, id, nil, nil, desc_of(body_from(m[2], m[3])))
    end
    large_remove(meta, id)
    if expires_of(m[2]) <= now then expired = expired + 1; return reply('ok', 0) end
    return reply('ok', 1)
  end
  if not m[2] then return reply('ok', 0) end
end

local st = load()
prune_all(st)
local failure = guard_failure(st, gid, gtoken, grole)
if failure then flush(st); return reply(failure) end
local out = {}
local h, body = st.heads[id], st.bodies[id]
why = reason -- events
remove_tree(st, id, out)
if E and h and h.parent then emit('l', id, h.parent, nil, desc_of(body)) end -- events: it left its group
flush(st)
return reply('ok', #out)
