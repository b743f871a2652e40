-- rotate_refresh: ARGV id, presented hash, new token hash, new refresh hash, new expiry ms.
-- Replies 'ok', head, body | false, owner document | false; or 'notfound', 'replay' or
-- 'unauthorized'.
local id, presented, token, refresh, exp = ARGS[2], ARGS[3], ARGS[4], ARGS[5], tonumber(ARGS[6])

local st = load()
prune_all(st)
local rec = st.recs[id]
if not rec then flush(st); return reply('notfound') end
local h = st.heads[id]
if h.refresh and h.token and h.refresh == presented then
  local next_rec = with_hashes(with_times(rec, now, exp), token, refresh)
  replace(st, id, next_rec)
  local spent = (st.spent[id] or '') .. string.sub(presented, 1, 8)
  if #spent > 8 * SPENT_KEPT then spent = string.sub(spent, #spent - 8 * SPENT_KEPT + 1) end
  st.spent[id] = spent
  set(st, 'r' .. id, spent)
  if E then -- events: renewed no earlier than it would have expired, its entry still covers it
    local life = false
    if exp < h.expires then life = nil end
    emit_until('f', id, h.parent, exp, desc_of(st.bodies[id]), life)
  end
  flush(st)
  return reply('ok', next_rec, st.bodies[id] or false, st.doc or false)
end
local spent = st.spent[id] or ''
local prefix = string.sub(presented, 1, 8)
for at = 1, #spent, 8 do
  if string.sub(spent, at, at + 7) == prefix then
    why = 'ru' -- events
    remove_tree(st, id, nil)
    flush(st)
    return reply('replay')
  end
end
flush(st)
return reply('unauthorized')
