-- range (events): the pull API's read of some partitions: each one's entries from its start up
-- to an end, at most a count. Keys: the first partition's stream; args: the end, the count,
-- 'ids' (each partition's first entry id only) or 'entries', the first partition's start, then
-- a stream and its start for each further partition, read while this node serves them. Replies
-- 'ok', 0, how many partitions it answered, then for each answered partition with entries its
-- position in the call and its first entry's id or its entries (as XRANGE gives them).
local last, count, ids = ARGS[2], ARGS[3], ARGS[4] == 'ids'
local out = { 'ok', 0, 0 }
local function range(at, stream, start)
  local entries = on_node(at == 0, 'XRANGE', stream, start, last, 'COUNT', count)
  if not entries then return false end
  if #entries > 0 then
    out[#out + 1] = at
    out[#out + 1] = ids and entries[1][1] or entries
  end
  out[3] = at + 1
  return true
end
range(0, KEYS[1], ARGS[5])
for i = 6, #ARGS - 1, 2 do
  if not range((i - 4) / 2, ARGS[i], ARGS[i + 1]) then break end
end
return out
