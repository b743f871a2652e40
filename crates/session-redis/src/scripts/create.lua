-- create: args id, head, body ('' = none), options `<e|r><1|0><limit>` (evict or refuse,
-- retire the device's older sessions, the limit or nothing), credential hash (''), fresh
-- document (''), the document's plan (MessagePack {p = {{key, value}...}, d = {key = default},
-- s = stamp member, r = refusing flag}, '' = none).
-- Returns {'ok', {evicted...}, {retired...}, doc | false, inserted 0/1} | {'conflict'} |
-- {'full'} | {'unauthorized'} | {'refused'}.
local id, rec, body = arg(), arg(), arg()
local opts, cred, fresh, plan = arg(), arg(), arg(), arg()
local policy, retire, max = string.sub(opts, 1, 1), string.sub(opts, 2, 2) == '1', tonumber(string.sub(opts, 3))

local m = redis.call('HMGET', H, '~', 's' .. id)
if not m[1] then
  -- A new owner: nothing to prune, count, retire or patch.
  if cred ~= '' then return { 'unauthorized' } end
  local f = { '~', 's', 's' .. id, rec }
  if body ~= '' then f[#f + 1] = 'd' .. id; f[#f + 1] = body end
  if fresh ~= '' then f[#f + 1] = 'u'; f[#f + 1] = fresh end
  redis.call('HSET', H, unpack(f))
  if fresh == '' then redis.call('PEXPIREAT', H, ms(head(rec).expires)) end
  if fresh == '' then return { 'ok', {}, {}, false, 0 } end
  return { 'ok', {}, {}, fresh, 1 }
end
local h = head(rec)
local meta = parse_meta(m[1])
if meta and not retire and fresh == '' and cred == '' and not h.parent
    and (not meta.mono or h.expires - h.created == meta.ttl) then
  -- A large owner: O(log n), without reading it whole.
  if m[2] and head(m[2]).expires > now then return { 'conflict' } end
  large_prune(meta)
  local evicted = {}
  if max then
    local live = large_count()
    if live >= max then
      if policy ~= 'e' then return { 'full' } end
      while live >= max do
        local gone = large_evict(meta)
        if not gone then break end
        evicted[#evicted + 1] = gone
        live = live - 1
      end
    end
  end
  local fields = { 's' .. id, rec }
  if body ~= '' then fields[#fields + 1] = 'd' .. id; fields[#fields + 1] = body end
  local raise = h.expires > meta.key_exp
  if raise then meta.key_exp = h.expires + SLACK end
  fields[#fields + 1] = '~'; fields[#fields + 1] = meta_text(meta)
  redis.call('HSET', H, unpack(fields))
  redis.call('ZADD', X, h.expires, id)
  if not meta.mono then redis.call('ZADD', C, h.created, id) end
  if raise then
    redis.call('PEXPIREAT', X, ms(meta.key_exp))
    if not meta.mono then redis.call('PEXPIREAT', C, ms(meta.key_exp)) end
    if redis.call('HEXISTS', H, 'u') == 0 then redis.call('PEXPIREAT', H, ms(meta.key_exp)) end
  end
  return { 'ok', evicted, {}, false, 0 }
end

local st = load()
prune_all(st)
if cred ~= '' and not st.creds[cred] then flush(st); return { 'unauthorized' } end
if st.heads[id] then flush(st); return { 'conflict' } end
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
    if policy ~= 'e' then flush(st); return { 'full' } end
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
      if d[refuse_if] == true then flush(st); return { 'refused' } end
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
for _, oid in ipairs(retired) do remove_tree(st, oid, nil) end
local gone = {}
for _, oid in ipairs(evicted) do
  local out = {}
  remove_tree(st, oid, out)
  if #out > 0 then gone[#gone + 1] = oid end
end
insert(st, id, rec, body)
flush(st)
return { 'ok', gone, retired, doc, inserted }
