-- delete: ARGV id, guard id (''), guard token, guard role (''). Replies 'ok' and the number of
-- sessions deleted; or 'unauthorized' or 'forbidden'.
local id, gid, gtoken, grole = unpack(ARGS, 2, 5)

if gid == '' then
  local m = redis.call('HMGET', H, '~', 's' .. id)
  local meta = parse_meta(m[1])
  if meta then
    -- Large owners hold no groups: one session at most.
    if not m[2] then return reply('ok', 0) end
    large_remove(meta, id)
    if expires_of(m[2]) <= now then expired = expired + 1; return reply('ok', 0) end
    return reply('ok', 1)
  end
  if not m[2] then return reply('ok', 0) end
end

local st = load()
prune_all(st)
local failure = guard_failure(st, gid, gtoken, grole)
if failure then flush(st); return reply(failure) end
local out = {}
remove_tree(st, id, out)
flush(st)
return reply('ok', #out)
