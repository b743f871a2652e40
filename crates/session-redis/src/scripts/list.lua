-- list (read-only): ARGV has-after ('1' | ''), after created, after expiry, after id, limit.
-- Small owners reply 'all' and the fields and values of the whole hash; large ones 'page', more
-- (0/1), then id, head, body | false of each session in creation order.
local has_after = ARGS[2] == '1'
local a_created, a_exp, a_id = tonumber(ARGS[3]), tonumber(ARGS[4]), ARGS[5]
local limit = tonumber(ARGS[6])
local meta = parse_meta(redis.call('HGET', H, '~'))
if not meta then
  local out = reply('all')
  for _, v in ipairs(redis.call('HGETALL', H)) do out[#out + 1] = v end
  return out
end
local key, from = C, a_created
if meta.mono then key, from = X, a_exp end
local out = reply('page', 0)
local offset, full = 0, false
local lo = has_after and ms(from) or '-inf'
while not full do
  local batch = redis.call('ZRANGE', key, lo, '+inf', 'BYSCORE', 'LIMIT', offset, limit + 1, 'WITHSCORES')
  local n = #batch / 2
  if n == 0 then break end
  offset = offset + n
  local ids = {}
  for i = 1, #batch, 2 do
    local id, score = batch[i], tonumber(batch[i + 1])
    if not has_after or score > from or id > a_id then ids[#ids + 1] = id end
  end
  if #ids > 0 then
    local fields = {}
    for _, id in ipairs(ids) do fields[#fields + 1] = 's' .. id; fields[#fields + 1] = 'd' .. id end
    local got = redis.call('HMGET', H, unpack(fields))
    for i, id in ipairs(ids) do
      local v = got[2 * i - 1]
      if v and expires_of(v) > now then
        if #out >= 3 + 3 * limit then out[3] = 1; full = true; break end
        local rec, body = split_stored(v)
        out[#out + 1] = id; out[#out + 1] = rec; out[#out + 1] = body or got[2 * i] or false
      end
    end
  end
  if n < limit + 1 then break end
end
return out
