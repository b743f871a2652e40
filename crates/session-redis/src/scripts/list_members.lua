-- list_members: ARGV[3] = group id. Returns the live members' records (unordered), or {} when
-- the group is not live. Read-only.
local gid = ARGV[3]
local g = redis.call('HGET', skey(gid), 'expires')
if not g or tonumber(g) <= now then return {} end
local out = {}
for _, ok in ipairs(redis.call('ZRANGEBYSCORE', mkey(gid), '(' .. ms(now), '+inf')) do
  local h = redis.call('HGETALL', skey(id_of(ok)))
  if field(h, 'okey') == ok and tonumber(field(h, 'expires') or 0) > now then
    table.insert(out, h)
  end
end
return out
