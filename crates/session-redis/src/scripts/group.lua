-- create_group and join: ARGV op ('create' | 'join'), group id, then for 'create' the group's
-- head and body, for 'join' the capacity ('' = the group's own) and the screening role ('');
-- then n candidates, each
-- name, id, head, body. Replies 'ok', index, group head, group body | false; or 'screen', head,
-- body | false; or 'conflict', 'notfound', 'full' or 'taken'.
local op, gid = arg(), arg()
local grec, gbody, cap, screen
if op == 'create' then grec, gbody = arg(), arg() else cap, screen = tonumber(arg()), arg() end
local n = tonumber(arg())
local cands = {}
for i = 1, n do cands[i] = { name = arg(), id = arg(), rec = arg(), body = arg() } end

local st = load()
prune_all(st)
if op == 'create' then
  if st.heads[gid] then flush(st); return reply('conflict') end
else
  local g = st.heads[gid]
  if not g then flush(st); return reply('notfound') end
  if screen ~= '' and g.role == screen then flush(st); return reply('screen', st.recs[gid], st.bodies[gid] or false) end
  local members = 0
  for _ in pairs(st.children[gid] or {}) do members = members + 1 end
  local limit = cap or g.capacity
  if limit and members >= limit then flush(st); return reply('full') end
end
for _, c in ipairs(cands) do
  if st.heads[c.id] then flush(st); return reply('conflict') end
end
for i, c in ipairs(cands) do
  if not st.names[c.name] then
    if op == 'create' then
      insert(st, gid, grec, gbody)
      if E then -- events
        local ge = st.heads[gid].expires
        emit_until('c', gid, nil, ge, desc_of(gbody))
      end
    end
    -- A member never outlives its group.
    local mh, gexp = head(c.rec), st.heads[gid].expires
    local rec = c.rec
    if mh.expires > gexp then rec = with_times(rec, mh.updated, gexp) end
    insert(st, c.id, rec, c.body)
    if E then -- events
      local d, me = desc_of(c.body), st.heads[c.id].expires
      emit_until('c', c.id, gid, me, d); emit('j', c.id, gid, nil, d)
    end
    st.names[c.name] = c.id
    set(st, 'p' .. c.name, c.id)
    flush(st)
    return reply('ok', i - 1, st.recs[gid], st.bodies[gid] or false)
  end
end
flush(st)
return reply('taken')
