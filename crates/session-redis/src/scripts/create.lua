-- create: args id, head, body ('' = none), options `<e|r><1|0><limit>` (evict or refuse,
-- retire the device's older sessions, the limit or nothing), credential hash (''), fresh
-- document (''), the document's plan (MessagePack {p = {{key, value}...}, d = {key = default},
-- s = stamp member, r = refusing flag}, '' = none); with events on, the descriptive part of
-- the body (what its session.created event carries).
-- Replies 'ok', inserted 0/1, the owner's document when it was there before (false when none
-- or when `fresh` went in), the evicted count and ids, the retired count and ids; or 'conflict',
-- 'full', 'unauthorized' or 'refused'.
local id, rec, body, opts, cred, fresh, plan = unpack(ARGS, 2, 8)

-- events: the session.created event of the new session, and what keeps its owner due by its
-- expiry (`life`: see emit_until).
local function emit_created(exp, group, life)
  if E then emit_until('c', id, group, exp, ARGS[9], life) end
end

-- The pairs among `field, value, ...` that have a value, as arguments.
local function present(f, v, ...)
  if f == nil then return end
  if v then return f, v, present(...) end
  return present(...)
end

-- events: the new record's group, when it is a member.
local function group_of(r)
  if bit.band(string.byte(r, 1), 8) ~= 0 then return head(r).parent end
  return nil
end

local marker = redis.call('HGET', H, '~')
if not marker then
  -- A new owner: nothing to prune, count, retire or patch.
  if cred ~= '' then return reply('unauthorized') end
  local sf, df = session_fields(rec, body, false)
  local exp = expires_of(rec)
  -- events: the time the owner is due (`w`, see small_life).
  local w = E and ms(exp)
  redis.call('HSET', H, '~', 's', 's' .. id, sf,
    present('d' .. id, df, 'u', fresh ~= '' and fresh or nil, 'w', w))
  -- A document lives on; else the hash expires with the session (events: a day later, so the
  -- sweep finds it to report the expiry).
  if fresh == '' then redis.call('PEXPIREAT', H, ms(exp + (E and SLACK or 0))) end
  if E then emit_created(exp, group_of(rec), exp - now) end -- events
  return reply('ok', fresh ~= '' and 1 or 0, false, 0, 0)
end
local policy, retire, max = string.sub(opts, 1, 1), string.sub(opts, 2, 2) == '1', tonumber(string.sub(opts, 3))
local meta = parse_meta(marker)
if meta and not retire and fresh == '' and cred == '' and bit.band(string.byte(rec, 1), 8) == 0 then
  local created, expires = struct.unpack('>I6', rec, 2), expires_of(rec)
  if not meta.mono or expires - created == meta.ttl then
    -- A large owner (no groups: no parent flag): O(log n), without reading it whole. The
    -- record goes in first, refusing an id in use; a refused create takes it out again.
    if redis.call('HSETNX', H, 's' .. id, (session_fields(rec, body, true))) == 0 then return reply('conflict') end
    local pruned = large_prune(meta)
    local evicted = {}
    -- events: whether the owner holds a session; while mono, it expires before this one.
    local held = nil
    if max then
      local live = large_count(pruned)
      held = live > 0
      if live >= max then
        if policy ~= 'e' then redis.call('HDEL', H, 's' .. id); return reply('full') end
        while live >= max do
          local gone = large_evict(meta)
          if not gone then break end
          evicted[#evicted + 1] = gone
          live = live - 1
        end
      end
    end
    local raise = expires > meta.key_exp
    if raise then meta.key_exp = expires + SLACK end
    if raise then redis.call('HSET', H, '~', meta_text(meta)) end
    if E and meta.mono and held == nil then held = redis.call('ZCARD', X) > 0 end -- events
    redis.call('ZADD', X, ms(expires), id)
    if not meta.mono then redis.call('ZADD', C, ms(created), id) end
    if E then -- events; an owner that is not mono has sessions of other lifetimes: the schedule
      local life = nil
      if meta.mono then life = not held and expires - now end
      emit_created(expires, nil, life)
    end
    if raise then
      redis.call('PEXPIREAT', X, ms(meta.key_exp))
      if not meta.mono then redis.call('PEXPIREAT', C, ms(meta.key_exp)) end
      if redis.call('HEXISTS', H, 'u') == 0 then redis.call('PEXPIREAT', H, ms(meta.key_exp)) end
    end
    local out = { 'ok', expired, 0, false, #evicted }
    for _, e in ipairs(evicted) do out[#out + 1] = e end
    out[#out + 1] = 0
    return out
  end
end
local h = head(rec)

local st = load()
prune_all(st)
if cred ~= '' and not st.creds[cred] then flush(st); return reply('unauthorized') end
if st.heads[id] then flush(st); return reply('conflict') end
local retired = {}
local device = nil
if retire and body ~= '' then
  local _, desc = cmsgpack.unpack_one(body)
  if type(desc) == 'table' then device = desc.d end
end
if device then
  for _, oid in ipairs(ordered(st)) do
    local b = st.bodies[oid]
    if st.heads[oid].created <= h.created and b then
      local _, od = cmsgpack.unpack_one(b)
      if type(od) == 'table' and od.d == device then retired[#retired + 1] = oid end
    end
  end
end
local evicted = {}
if max then
  local live = st.count - #retired
  if live >= max then
    if policy ~= 'e' then flush(st); return reply('full') end
    local skip = {}
    for _, oid in ipairs(retired) do skip[oid] = true end
    for _, oid in ipairs(ordered(st)) do
      if live < max then break end
      if not skip[oid] then evicted[#evicted + 1] = oid; live = live - 1 end
    end
  end
end
local doc, inserted = false, 0
local patch, defaults, stamp, refuse_if = {}, {}, '', ''
if plan ~= '' then
  local pl = cmsgpack.unpack(plan)
  patch, defaults, stamp, refuse_if = pl.p or {}, pl.d or {}, pl.s or '', pl.r or ''
end
if fresh ~= '' then
  if st.doc then
    local d = nil
    if refuse_if ~= '' then
      d = cmsgpack.unpack(st.doc)
      if d[refuse_if] == true then flush(st); return reply('refused') end
    end
    if #patch > 0 then
      d = d or cmsgpack.unpack(st.doc)
      local changed = false
      for _, kv in ipairs(patch) do
        local k, v = kv[1], kv[2]
        local current = d[k]
        if current == nil then current = defaults[k] end
        if current ~= v then
          if defaults[k] == v then d[k] = nil else d[k] = v end
          changed = true
        end
      end
      if changed then
        if stamp ~= '' then d[stamp] = now end
        st.doc = cmsgpack.pack(d)
        set(st, 'u', st.doc)
      end
    end
  else
    st.doc = fresh
    set(st, 'u', fresh)
    inserted = 1
  end
  doc = st.doc
end
why = 'rd' -- events
for _, oid in ipairs(retired) do remove_tree(st, oid, nil) end
why = 're' -- events
local gone = {}
for _, oid in ipairs(evicted) do
  local out = {}
  remove_tree(st, oid, out)
  if #out > 0 then gone[#gone + 1] = oid end
end
-- events: after every refusal, which writes nothing of this session (and no `w`).
local life = E and small_life(st, h.expires)
insert(st, id, rec, body)
emit_created(h.expires, h.parent, life) -- events
flush(st)
local out = { 'ok', expired, inserted, inserted == 0 and doc or false, #gone }
for _, e in ipairs(gone) do out[#out + 1] = e end
out[#out + 1] = #retired
for _, e in ipairs(retired) do out[#out + 1] = e end
return out
