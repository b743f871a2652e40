-- list_by_owner: ARGV[3] = cursor (an order key; '' = from the start), ARGV[4] = page size.
-- Returns {more (0|1), record, record, ...} in creation order.
local after = ARGV[3]
local limit = tonumber(ARGV[4])
prune()
local min = '-'
if after ~= '' then min = '(' .. after end
local want = limit + 1
local found = {}
local offset = 0
while #found < want do
  local batch = redis.call('ZRANGEBYLEX', IDX, min, '+', 'LIMIT', offset, want - #found)
  if #batch == 0 then break end
  offset = offset + #batch
  for _, ok in ipairs(batch) do
    local h = redis.call('HGETALL', skey(id_of(ok)))
    -- Skip an entry whose record Redis has already expired (or that a newer session replaced).
    if field(h, 'okey') == ok and tonumber(field(h, 'expires') or 0) > now then
      table.insert(found, h)
    end
  end
end
local out = { 0 }
if #found > limit then out[1] = 1 end
for i = 1, math.min(#found, limit) do out[i + 1] = found[i] end
return out
