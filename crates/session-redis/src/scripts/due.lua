-- due (events): what the sweep of some partitions has to do now. Keys: the first partition's
-- schedule, queue heads and stream; args: how many owners at most, then each partition's
-- stream (its schedule and queue heads are named after it), read while this node serves it
-- (see `across`) and while fewer than the most owners are due. Replies 'ok', 0, how many
-- partitions it answered, then four fields per owner to expire: its partition's position in
-- the call, the owner's key, and for an entry at the head of a queue the queue's lifetime and
-- the entry ('' and '' for the schedule). A partition's schedule comes first, then each due
-- queue's entries in order, up to the first that is not due.
local limit = tonumber(ARGS[2])
local out = {}
local n = 0

-- Adds partition `at`'s due owners; false (and nothing added) when the most owners are
-- already due or one of its keys cannot be read here. Most partitions hold nothing: one EXISTS
-- of both keys (one slot) answers them.
local function partition(at, declared, stream)
  if n >= limit then return false end
  local schedule, heads_key = stream .. ':x', queue_key(stream, '')
  local present = on_node(declared, 'EXISTS', schedule, heads_key)
  if not present then return false end
  if present == 0 then return true end
  local mark, before = #out, n
  local function add(owner, life, entry)
    out[#out + 1] = at; out[#out + 1] = owner; out[#out + 1] = life; out[#out + 1] = entry
    n = n + 1
  end
  local function fail()
    for i = #out, mark + 1, -1 do out[i] = nil end
    n = before
    return false
  end
  local owners = on_node(declared, 'ZRANGEBYSCORE', schedule, '-inf', now_text, 'LIMIT', '0',
    tostring(limit - n))
  if not owners then return fail() end
  for _, owner in ipairs(owners) do add(owner, '', '') end
  local heads = on_node(declared, 'HGETALL', heads_key)
  if not heads then return fail() end
  for i = 1, #heads, 2 do
    if n >= limit then break end
    if tonumber(heads[i + 1]) <= now then
      local entries = on_node(declared, 'LRANGE', queue_key(stream, heads[i]), 0,
        tostring(limit - n - 1))
      if not entries then return fail() end
      for _, entry in ipairs(entries) do
        local at_ms, owner = entry_parts(entry)
        if not at_ms or tonumber(at_ms) > now then break end
        add(owner, heads[i], entry)
      end
    end
  end
  return true
end

return across(3, 1, partition, out)
