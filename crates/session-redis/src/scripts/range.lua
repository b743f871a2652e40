-- range (events): the pull API's read of some partitions: each one's entries from its start up
-- to an end, at most a count. Keys: the first partition's stream; args: the end, the count,
-- 'ids' (each partition's first entry id only) or 'entries', then each partition's stream and
-- its start, read while this node serves it (see `across`). Replies 'ok', 0, how many
-- partitions it answered, then for each answered partition with entries its position in the
-- call and its first entry's id or its entries (as XRANGE gives them).
local last, count, ids = ARGS[2], ARGS[3], ARGS[4] == 'ids'
local out = {}
local function range(at, declared, stream, start)
  local entries = on_node(declared, 'XRANGE', stream, start, last, 'COUNT', count)
  if not entries then return false end
  if #entries > 0 then
    out[#out + 1] = at
    out[#out + 1] = ids and entries[1][1] or entries
  end
  return true
end
return across(5, 2, range, out)
