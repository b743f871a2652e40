-- trim (events): drops the events of some partitions' streams written more than a retention
-- ago (by Redis's clock, which numbers the entries) or beyond the newest `max`, both a whole
-- stream node at a time (`~`). Keys: the first partition's stream; args: the retention in ms,
-- the most events kept, then each partition's stream, trimmed while this node serves it (see
-- `across`). Replies 'ok', 0, how many streams it trimmed.
local t = redis.call('TIME')
local oldest = math.max(0, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  - tonumber(ARGS[2]))
local min_id, kept = ms(oldest), ARGS[3]
local function trim(_, declared, stream)
  return on_node(declared, 'XTRIM', stream, 'MINID', '~', min_id)
    and on_node(declared, 'XTRIM', stream, 'MAXLEN', '~', kept)
end
return across(4, 1, trim)
