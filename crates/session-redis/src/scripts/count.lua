-- count (read-only): the owner's live sessions (a member of a dead group is dead too).
local meta = parse_meta(redis.call('HGET', H, '~'))
if meta then return reply('ok', large_count()) end
local heads = {}
local all = redis.call('HGETALL', H)
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 1) == 's' then heads[string.sub(all[i], 2)] = head(all[i + 1]) end
end
local function live(id, depth)
  local h = heads[id]
  if not h or h.expires <= now or depth > 8 then return false end
  return not h.parent or live(h.parent, depth + 1)
end
local n = 0
for id in pairs(heads) do
  if live(id, 0) then n = n + 1 end
end
return reply('ok', n)
