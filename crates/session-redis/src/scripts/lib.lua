-- The function library's helpers (see docs/redis-keys.md). Every function is called with the
-- keys and arguments below; `begin` sets them for the call.
--
-- keys[1] H  P:3:{O}     HASH   everything of owner O:
--                                 s<id>   a session's head (binary, session-core/src/record.rs),
--                                         followed by its body (MessagePack) when the two fit in
--                                         one listpack value or the owner is large
--                                 d<id>   else its body, when it has one
--                                 r<id>   the 8-byte prefixes of the refresh hashes it spent
--                                 p<name> a name claimed in the owner's group -> member id
--                                 c<hash> a credential: created and expiry (2 x 6 bytes)
--                                 u       the owner's document (MessagePack map)
--                                 w       events only, small owners: the time by which an entry
--                                         the owner has in a queue or the schedule is due (see
--                                         small_life)
--                                 ~       "s" for a small owner (every owner hash has it), or, for a
--                                         large one, 19 bytes: mono flag, max created, max expiry,
--                                         key expiry
-- keys[2] X  P:3:{O}:x   ZSET   large owners: session id scored by expiry
-- keys[3] C  P:3:{O}:c   ZSET   large owners whose expiry order left creation order: id by creation
-- keys[4] E  P:3:e:{T}   STREAM events only: the owner's partition's event stream (docs/events.md)
-- keys[5] EX P:3:e:{T}:x ZSET   events only: the partition's expiry schedule, owner key by the
--                                time something of it may expire next
--         P:3:e:{T}:q<L> LIST   events only: the partition's queue of lifetime L: an entry
--                                "<expiry> <owner key>" for each session that started L before
--                                its expiry when nothing of its owner expired earlier; written
--                                in time order, so in expiry order (see enqueue)
--         P:3:e:{T}:q    HASH   events only: the partition's queues, L -> the expiry of its
--                                first entry, a field exactly while that queue has entries (at
--                                most QUEUES_MAX)
--         The queues share E's hash tag, so they are in the owner's slot; they are named here
--         rather than passed, since a create learns whether it needs one only once it has read
--         the owner.
-- args[1] now, ms since the epoch, from the gateway's clock; then the function's own arguments.
--
-- Events are on exactly when keys[4] is given: every change then appends its events to E in the
-- same call (emit), and the owner is kept due in the sweep's work list no later than its
-- earliest expiry (emit_until, schedule). With events off nothing of this runs.
--
-- Small owners (up to LARGE_AT sessions) are read whole with one HGETALL and written with one
-- HSET/HDEL; large owners keep the two indexes so that creates, counts and pages are O(log n).
-- While all of a large owner's sessions live the same time from their creation ("mono", the
-- usual case), they expire in creation order, so X alone orders them and C does not exist.
local H, X, C, now, now_text, ARGS
-- events: the stream and the schedule (nil while events are off), every key, and the kind of
-- event a removal writes (`x` expired, `r<reason>` revoked).
local E, EX, KEYS, why
local argi = 1
local LARGE_AT = 32
local SLACK = 86400000
local SPENT_KEPT = 8
local PRUNE_STEP = 8
local PRUNE_STEP_TEXT = '' .. PRUNE_STEP -- as a command argument (see ms)
-- events: the most queues (lifetimes) a partition keeps; a session of yet another lifetime goes
-- to the schedule.
local QUEUES_MAX = 16
-- events: the stream's hard bound (the deliverers trim it to what is configured).
local EVENTS_KEPT = '1000000'
-- Sessions this call dropped because they had expired (reported with every reply).
local expired = 0

-- A time for a command argument, as the digits of the integer. A number given to redis.call is
-- formatted as a float ("%.14g"), which costs Redis several times as much (`now_text` is the
-- gateway's own argument, already digits).
local function ms(n) return string.format('%d', n) end

-- events: a call of a function that covers many partitions (a cluster node's slots: such
-- functions may touch keys of other slots of their node). The first partition's keys are
-- declared and route the call, so a call for them (`declared`) raises as usual; for another
-- partition's keys it is a redis.pcall, and nil when this node does not serve them (another
-- node's slot, or a slot moving away), which ends the call's work there.
local function on_node(declared, ...)
  if declared then return redis.call(...) end
  local r = redis.pcall(...)
  if type(r) == 'table' and r.err then return nil end
  return r
end

-- events: runs `each(at, declared, ...)` for the partitions of such a call, `step` arguments
-- each from ARGS[from] (the first is the declared one), while it returns true; replies 'ok',
-- 0, how many partitions it answered, then `out`'s items (records of what `each` found).
local function across(from, step, each, out)
  local answered = 0
  for i = from, #ARGS - step + 1, step do
    if not each(answered, answered == 0, unpack(ARGS, i, i + step - 1)) then break end
    answered = answered + 1
  end
  local reply = { 'ok', 0, answered }
  for _, v in ipairs(out or {}) do reply[#reply + 1] = v end
  return reply
end

-- Starts a call: its keys, its arguments, nothing dropped yet.
local function begin(keys, args)
  H, X, C = keys[1], keys[2], keys[3]
  E, EX, KEYS, why = keys[4], keys[5], keys, 'x'
  ARGS = args
  now, now_text = tonumber(args[1]), args[1]
  argi = 1
  expired = 0
end

local function arg()
  argi = argi + 1
  return ARGS[argi]
end

-- A reply: the status, the sessions this call dropped as expired, then the function's own
-- fields, all in one flat array (every nested table costs Redis a conversion).
local function reply(status, ...)
  return { status, expired, ... }
end

-- events: appends one event to the partition's stream: its kind, the gateway's time, the owner's
-- key, the session, its group, its expiry as digits (creations and refreshes, see emit_until)
-- and the descriptive part of its body (device, subject, tenant, flavor; never a token or a
-- hash).
local function emit(kind, id, group, exp_digits, desc)
  redis.call('XADD', E, 'MAXLEN', '~', EVENTS_KEPT, '*', 'k', kind, 't', now_text, 'o', H, 'i', id,
    'g', group or '', 'x', exp_digits or '', 'd', desc or '')
end

-- events: the descriptive map at the front of a body (what an event carries of it).
local function desc_of(body)
  if not body or body == '' then return '' end
  local off = cmsgpack.unpack_one(body)
  if off < 0 then return body end
  return string.sub(body, 1, off)
end

-- events: the owner may have something expire at `x` (digits): its place in the schedule moves
-- there unless it is already earlier.
local function schedule_at(x)
  redis.call('ZADD', EX, 'LT', x, H)
end

-- events: the same for a time `at` in ms, when events are on.
local function schedule(at)
  if EX then schedule_at(ms(at)) end
end

-- events: the partition's queue of lifetime `l` next to stream `stream` (`l` '': the queues'
-- heads), an entry of a queue for the owner due at `x`, and an entry's time and owner.
local function queue_key(stream, l) return stream .. ':q' .. l end
local function queue_entry(x) return x .. ' ' .. H end
local function entry_parts(entry) return string.match(entry, '^(%d+) (.+)$') end

-- events: the owner is due at `exp` (`x` in digits), `life` ms from now: an entry at the tail
-- of the partition's queue for that lifetime, which costs Redis far less than a sorted-set
-- insert. A queue's lifetime is in whole seconds, rounded up, with `s` for expiries on a whole
-- second (an Amity session expires on the second of its token): sessions of one lifetime,
-- written one after the other, expire in the order they were written, within a second. A
-- partition with QUEUES_MAX queues puts a session of yet another lifetime in the schedule.
local function enqueue(x, exp, life)
  local l = ms(math.ceil(life / 1000)) .. (exp % 1000 == 0 and 's' or '')
  local q = queue_key(E, l)
  if redis.call('RPUSH', q, queue_entry(x)) > 1 then return end
  local heads = queue_key(E, '')
  if redis.call('HLEN', heads) < QUEUES_MAX then
    redis.call('HSET', heads, l, x)
    return
  end
  redis.call('DEL', q)
  schedule_at(x)
end

-- events: the event of a session that starts or is renewed until `exp`, and what keeps the
-- owner due by then. The sweep finds every owner no later than its earliest expiry, because
-- each owner has an entry (in the schedule or a queue) due no later than that, which only the
-- sweep removes, and the sweep puts the owner back at its next expiry. So `life` is false when
-- a session the owner holds (or held until this call) expires no later than `exp`: that
-- session's entry covers this one. Otherwise it is the time from now to `exp` (a session that
-- starts now: queued) or nil (the schedule, `ZADD LT`).
local function emit_until(kind, id, group, exp, desc, life)
  local x = ms(exp)
  emit(kind, id, group, x, desc)
  if life == false then return end
  if life and life > 0 then enqueue(x, exp, life) else schedule_at(x) end
end

-- events: whether a session among `heads` expires no later than `at` (its entry covers `at`).
local function covered(heads, at)
  for _, h in pairs(heads) do
    if h.expires <= at then return true end
  end
  return false
end

-- Creation and expiry of a record, without parsing the rest of its head.
local function created_of(rec) return (struct.unpack('>I6', rec, 2)) end
local function expires_of(rec) return (struct.unpack('>I6', rec, 14)) end

-- The head of a record: times, hashes, role and parent.
local function head(rec)
  local flags, c, u, e = struct.unpack('>BI6I6I6', rec)
  local h = { created = c, updated = u, expires = e, flags = flags }
  local at = 20
  if bit.band(flags, 1) ~= 0 then h.token = string.sub(rec, at, at + 15); at = at + 16 end
  if bit.band(flags, 2) ~= 0 then h.refresh = string.sub(rec, at, at + 15); at = at + 16 end
  if bit.band(flags, 4) ~= 0 then
    local n = string.byte(rec, at); h.role = string.sub(rec, at + 1, at + n); at = at + 1 + n
  end
  if bit.band(flags, 8) ~= 0 then
    local n = string.byte(rec, at); h.parent = string.sub(rec, at + 1, at + n); at = at + 1 + n
  end
  if bit.band(flags, 16) ~= 0 then h.capacity = struct.unpack('>I4', rec, at) end
  return h
end

-- Where a stored record's head ends (its last byte); the body, if any, follows.
local function head_end(rec)
  local flags = string.byte(rec, 1)
  local at = 20
  if bit.band(flags, 1) ~= 0 then at = at + 16 end
  if bit.band(flags, 2) ~= 0 then at = at + 16 end
  if bit.band(flags, 4) ~= 0 then at = at + 1 + string.byte(rec, at) end
  if bit.band(flags, 8) ~= 0 then at = at + 1 + string.byte(rec, at) end
  if bit.band(flags, 16) ~= 0 then at = at + 4 end
  return at - 1
end

-- A stored record's head and body (nil when it has none).
local function split_stored(v)
  local e = head_end(v)
  if e >= #v then return v, nil end
  return string.sub(v, 1, e), string.sub(v, e + 1)
end

-- The body of a stored record (nil for none or no record).
local function body_of(v)
  if not v then return nil end
  local _, b = split_stored(v)
  return b
end

-- The longest value Redis keeps in a listpack hash (its default `hash-max-listpack-value`):
-- one longer value turns the whole owner hash into a hashtable, which costs more than a field.
local LISTPACK_VALUE = 64

-- How a session is written: the value of `s<id>` (its head, followed by its body when the two
-- fit in one listpack value or the owner is large, its hash a hashtable anyway) and the value
-- of `d<id>` (its body when not in `s<id>`; nil: no such field).
local function session_fields(rec, body, large)
  if not body or body == '' then return rec, nil end
  if large or #rec + #body <= LISTPACK_VALUE then return rec .. body, nil end
  return rec, body
end

-- The body of a session from its two fields as read (`s<id>`, `d<id>`; false when missing).
local function body_from(s, d)
  return body_of(s or nil) or d or nil
end

-- The record with new updated and expiry times (a stored record keeps its body).
local function with_times(rec, updated, expires)
  return string.sub(rec, 1, 7) .. struct.pack('>I6I6', updated, expires) .. string.sub(rec, 20)
end

-- The record with new token and refresh hashes (both flagged).
local function with_hashes(rec, token, refresh)
  return string.sub(rec, 1, 19) .. token .. refresh .. string.sub(rec, 52)
end

-- (created, id) ordering, as the core's order keys.
local function before(a_at, a_id, b_at, b_id)
  if a_at ~= b_at then return a_at < b_at end
  return a_id < b_id
end

-- A head from its parts (what `head` returns).
local function pack_head(h)
  local flags, tail = 0, ''
  if h.token then flags = flags + 1; tail = tail .. h.token end
  if h.refresh then flags = flags + 2; tail = tail .. h.refresh end
  if h.role then flags = flags + 4; tail = tail .. string.char(#h.role) .. h.role end
  if h.parent then flags = flags + 8; tail = tail .. string.char(#h.parent) .. h.parent end
  if h.capacity then flags = flags + 16; tail = tail .. struct.pack('>I4', h.capacity) end
  return string.char(flags) .. struct.pack('>I6I6I6', h.created, h.updated, h.expires) .. tail
end

-- A body's descriptive map and the attribute bytes that follow it.
local function split_body(b)
  if not b or b == '' then return {}, '' end
  local off, desc = cmsgpack.unpack_one(b)
  if type(desc) ~= 'table' then desc = {} end
  if off < 0 then return desc, '' end
  return desc, string.sub(b, off + 1)
end

-- A body from its parts; nil when both are empty.
local function join_body(desc, tail)
  if next(desc) == nil and tail == '' then return nil end
  return cmsgpack.pack(desc) .. tail
end

-- Large-owner bookkeeping, packed: mono (1 or 0), the lifetime every session had when created
-- (while mono), the key expiry.
local function parse_meta(m)
  if not m or #m ~= 13 then return nil end
  local mono, ttl, ke = struct.unpack('>BI6I6', m)
  return { mono = mono == 1, ttl = ttl, key_exp = ke }
end

local function meta_text(m)
  return struct.pack('>BI6I6', m.mono and 1 or 0, m.ttl, m.key_exp)
end

-------------------------------------------------------------------------------------------
-- The whole owner, read with one HGETALL and written back with one HDEL and one HSET.
-------------------------------------------------------------------------------------------

local function load()
  local st = { recs = {}, heads = {}, bodies = {}, dfields = {}, spent = {}, names = {}, creds = {}, children = {},
               doc = nil, meta = nil, sets = {}, dels = {}, xadd = {}, xdel = {},
               dirty_doc = false, had_doc = false, max_before = 0, count = 0 }
  local all = redis.call('HGETALL', H)
  st.existed = #all > 0
  for i = 1, #all, 2 do
    local f, v = all[i], all[i + 1]
    local k, rest = string.sub(f, 1, 1), string.sub(f, 2)
    if k == 's' then
      local rec, body = split_stored(v)
      st.recs[rest] = rec; st.heads[rest] = head(rec)
      if body then st.bodies[rest] = body end
      st.count = st.count + 1
    elseif k == 'd' then st.bodies[rest] = v; st.dfields[rest] = true
    elseif k == 'r' then st.spent[rest] = v
    elseif k == 'p' then st.names[rest] = v
    elseif k == 'c' then
      local c, e = struct.unpack('>I6I6', v)
      st.creds[rest] = { created = c, expires = e }
    elseif k == 'u' then st.doc = v; st.had_doc = true
    elseif k == '~' then st.meta = parse_meta(v); st.marked = true
    elseif f == 'w' then st.due = tonumber(v)
    end
  end
  for id, h in pairs(st.heads) do
    if h.parent then
      local c = st.children[h.parent] or {}
      c[id] = true
      st.children[h.parent] = c
    end
  end
  return st
end

local function del(st, f) st.dels[#st.dels + 1] = f; st.sets[f] = nil end
local function set(st, f, v) st.sets[f] = v end

-- events: what keeps small owner `st` due by `exp`, the expiry of a session it gets now (the
-- `life` of emit_until). A session it holds that expires no later covers it, and so does an
-- entry it was given earlier, recorded in `w`: while `w` is still ahead, that entry has not been
-- swept, and only the sweep removes it (and records the next one). Otherwise the new session's
-- entry is recorded in `w`, so that an owner signing in and out again and again does not get an
-- entry each time.
local function small_life(st, exp)
  if covered(st.heads, exp) or (st.due and st.due > now and st.due <= exp) then return false end
  set(st, 'w', ms(exp))
  return exp - now
end

-- Writes session `id` (`st.recs[id]`, `st.bodies[id]`) in its fields (`session_fields`).
local function write_session(st, id)
  local s, d = session_fields(st.recs[id], st.bodies[id], st.meta ~= nil)
  set(st, 's' .. id, s)
  if d then set(st, 'd' .. id, d); st.dfields[id] = true
  elseif st.dfields[id] then del(st, 'd' .. id); st.dfields[id] = nil end
end

-- Removes session `id` with its members and history; appends the removed ids to `out`.
local function remove_tree(st, id, out)
  local h = st.heads[id]
  if not h then return end
  if E then emit(why, id, h.parent, nil, desc_of(st.bodies[id])) end -- events
  st.recs[id] = nil; st.heads[id] = nil; st.bodies[id] = nil; st.spent[id] = nil
  st.count = st.count - 1
  del(st, 's' .. id); del(st, 'd' .. id); del(st, 'r' .. id)
  st.xdel[#st.xdel + 1] = id
  if out then out[#out + 1] = id end
  if h.parent and st.children[h.parent] then st.children[h.parent][id] = nil end
  local members = st.children[id]
  st.children[id] = nil
  if members then
    -- events: the members of a revoked group go with it; those of an expired one expire.
    local outer = why
    if why ~= 'x' then why = 'rg' end
    for mid in pairs(members) do remove_tree(st, mid, out) end
    why = outer
  end
  if not h.parent then
    -- A group's names go with it.
    for name, member in pairs(st.names) do
      if not st.heads[member] then st.names[name] = nil; del(st, 'p' .. name) end
    end
  end
end

-- Drops expired sessions (counting them) and credentials.
local function prune_all(st)
  why = 'x' -- events
  for id, h in pairs(st.heads) do
    if h.expires <= now then
      local out = {}
      remove_tree(st, id, out)
      expired = expired + #out
    end
  end
  for hash, c in pairs(st.creds) do
    if c.expires <= now then st.creds[hash] = nil; del(st, 'c' .. hash) end
  end
  for _, h in pairs(st.heads) do
    if h.expires > st.max_before then st.max_before = h.expires end
  end
end

local function insert(st, id, rec, body)
  st.recs[id] = rec; st.heads[id] = head(rec); st.count = st.count + 1
  local parent = st.heads[id].parent
  if parent then
    local c = st.children[parent] or {}
    c[id] = true
    st.children[parent] = c
  end
  if body == '' then body = nil end
  st.bodies[id] = body
  write_session(st, id)
  st.xadd[#st.xadd + 1] = id
end

-- Replaces a stored session's head (times or hashes changed); its body stays `st.bodies[id]`.
local function replace(st, id, rec)
  st.recs[id] = rec; st.heads[id] = head(rec)
  write_session(st, id)
  st.xadd[#st.xadd + 1] = id
end

-- Ids of the live sessions in creation order.
local function ordered(st)
  local ids = {}
  for id in pairs(st.heads) do ids[#ids + 1] = id end
  table.sort(ids, function(a, b)
    return before(st.heads[a].created, a, st.heads[b].created, b)
  end)
  return ids
end

-- Checks a guard (acting id, token hash, role or '') read from ARGV: nil when it holds, else
-- the status to answer.
local function guard_failure(st, gid, gtoken, grole)
  if not gid or gid == '' then return nil end
  local h = st.heads[gid]
  if not h or h.expires <= now or h.token ~= gtoken then return 'unauthorized' end
  if grole ~= '' and h.role ~= grole then return 'forbidden' end
  return nil
end

-- Whether the owner's sessions all live the same time from their creation (then they expire in
-- creation order, however their creates arrived), and that lifetime.
local function uniform_lifetime(st)
  local ttl = nil
  for _, h in pairs(st.heads) do
    if ttl == nil then ttl = h.expires - h.created
    elseif h.expires - h.created ~= ttl then return false, 0 end
  end
  return true, ttl or 0
end

-- Writes the changes back, keeps the large-owner indexes and the key's expiry.
local function flush(st)
  -- Every owner hash holds '~' while it holds anything; an empty one disappears.
  local keeps = st.count > 0 or st.doc or next(st.creds) or next(st.names)
  if not keeps and st.marked then st.dels[#st.dels + 1] = '~' end
  if not keeps and st.due then st.dels[#st.dels + 1] = 'w' end
  if #st.dels > 0 then redis.call('HDEL', H, unpack(st.dels)) end
  local args = {}
  for f, v in pairs(st.sets) do args[#args + 1] = f; args[#args + 1] = v end
  local max_after = 0
  for _, h in pairs(st.heads) do
    if h.expires > max_after then max_after = h.expires end
  end
  for _, c in pairs(st.creds) do
    if c.expires > max_after then max_after = c.expires end
  end
  local meta = st.meta
  if not meta and st.count > LARGE_AT then
    -- Promote: build the indexes once (owners holding groups stay small).
    local grouped = false
    for _, h in pairs(st.heads) do if h.parent then grouped = true end end
    if not grouped then
      local mono, ttl = uniform_lifetime(st)
      meta = { mono = mono, ttl = ttl, key_exp = max_after + SLACK }
      st.xadd = {}
      for id in pairs(st.heads) do st.xadd[#st.xadd + 1] = id end
      st.promoted = true
    end
  end
  if meta then
    if not st.promoted and meta.mono and (#st.xadd > 0) then
      -- A moved expiry, or a new session with another lifetime, ends mono.
      for _, id in ipairs(st.xadd) do
        local h = st.heads[id]
        if h and h.expires - h.created ~= meta.ttl then meta.mono = false end
      end
      if not meta.mono then
        local all = {}
        for id, h in pairs(st.heads) do all[#all + 1] = h.created; all[#all + 1] = id end
        if #all > 0 then redis.call('ZADD', C, unpack(all)) end
        redis.call('PEXPIREAT', C, ms(meta.key_exp))
      end
    end
    local raise = max_after > meta.key_exp
    if raise then meta.key_exp = max_after + SLACK end
    args[#args + 1] = '~'; args[#args + 1] = meta_text(meta)
    local zx, zc = {}, {}
    for _, id in ipairs(st.xadd) do
      local h = st.heads[id]
      if h then
        zx[#zx + 1] = ms(h.expires); zx[#zx + 1] = id
        zc[#zc + 1] = ms(h.created); zc[#zc + 1] = id
      end
    end
    if #st.xdel > 0 then
      redis.call('ZREM', X, unpack(st.xdel))
      if not meta.mono then redis.call('ZREM', C, unpack(st.xdel)) end
    end
    if #zx > 0 then redis.call('ZADD', X, unpack(zx)) end
    if #zc > 0 and not meta.mono then redis.call('ZADD', C, unpack(zc)) end
    if raise or st.promoted then
      redis.call('PEXPIREAT', X, ms(meta.key_exp))
      if not meta.mono then redis.call('PEXPIREAT', C, ms(meta.key_exp)) end
    end
    if #args > 0 then redis.call('HSET', H, unpack(args)) end
    if st.doc then
      if not st.had_doc and st.existed then redis.call('PERSIST', H) end
    elseif raise or st.promoted then
      redis.call('PEXPIREAT', H, ms(meta.key_exp))
    end
    return
  end
  if keeps and not st.marked then args[#args + 1] = '~'; args[#args + 1] = 's' end
  if #args > 0 then redis.call('HSET', H, unpack(args)) end
  if st.doc then
    -- A document lives on: the hash loses its expiry (a new hash never had one).
    if not st.had_doc and st.existed then redis.call('PERSIST', H) end
  elseif max_after > st.max_before and st.count + (next(st.creds) and 1 or 0) > 0 then
    -- events: the hash outlives its last expiry by SLACK, so the sweep finds it to report it.
    redis.call('PEXPIREAT', H, ms(max_after + (E and SLACK or 0)))
  end
end

-------------------------------------------------------------------------------------------
-- Large owners, without reading them whole.
-------------------------------------------------------------------------------------------

-- events: the body of a large owner's session `id`, wherever it is stored (nil: none).
local function large_body(id)
  local m = redis.call('HMGET', H, 's' .. id, 'd' .. id)
  return body_from(m[1], m[2])
end

-- Deletes the fields of session `id` of a large owner and its index entries.
local function large_remove(meta, id)
  redis.call('HDEL', H, 's' .. id, 'd' .. id, 'r' .. id)
  redis.call('ZREM', X, id)
  if not meta.mono then redis.call('ZREM', C, id) end
end

-- Drops up to PRUNE_STEP expired sessions of a large owner; returns how many it dropped.
local function large_prune(meta)
  local dead = redis.call('ZRANGEBYSCORE', X, '-inf', now_text, 'LIMIT', '0', PRUNE_STEP_TEXT)
  if #dead == 0 then return 0 end
  local fields = {}
  for _, id in ipairs(dead) do
    fields[#fields + 1] = 's' .. id; fields[#fields + 1] = 'd' .. id; fields[#fields + 1] = 'r' .. id
  end
  if E then -- events
    local got = redis.call('HMGET', H, unpack(fields))
    for i, id in ipairs(dead) do emit('x', id, nil, nil, desc_of(body_from(got[3 * i - 2], got[3 * i - 1]))) end
  end
  redis.call('HDEL', H, unpack(fields))
  redis.call('ZREM', X, unpack(dead))
  if not meta.mono then redis.call('ZREM', C, unpack(dead)) end
  expired = expired + #dead
  return #dead
end

-- Live sessions of a large owner; `pruned` is what `large_prune` just dropped: fewer than a
-- full step means nothing expired is left, and the index's size is the count.
local function large_count(pruned)
  if pruned and pruned < PRUNE_STEP then return redis.call('ZCARD', X) end
  return redis.call('ZCOUNT', X, '(' .. now_text, '+inf')
end

-- Evicts the oldest live session of a large owner (expired ones met on the way are dropped);
-- returns its id.
local function large_evict(meta)
  while true do
    local id, score
    if meta.mono then
      local top = redis.call('ZPOPMIN', X)
      if not top[1] then return nil end
      id, score = top[1], tonumber(top[2])
      if E then emit(score > now and 're' or 'x', id, nil, nil, desc_of(large_body(id))) end -- events
      redis.call('HDEL', H, 's' .. id, 'd' .. id, 'r' .. id)
    else
      id = redis.call('ZRANGE', C, 0, 0)[1]
      if not id then return nil end
      score = tonumber(redis.call('ZSCORE', X, id) or 0)
      if E then emit(score > now and 're' or 'x', id, nil, nil, desc_of(large_body(id))) end -- events
      large_remove(meta, id)
    end
    if score > now then return id end
    expired = expired + 1
  end
end
