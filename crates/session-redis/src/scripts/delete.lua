-- delete: ARGV id, guard id (''), guard token, guard role (''). Returns the number of sessions
-- deleted | 'unauthorized' | 'forbidden'.
local id, gid, gtoken, grole = arg(), arg(), arg(), arg()

if gid == '' then
  local m = redis.call('HMGET', H, '~', 's' .. id)
  local meta = parse_meta(m[1])
  if meta then
    -- Large owners hold no groups: one session at most.
    if not m[2] then return 0 end
    large_remove(meta, id)
    if head(m[2]).expires <= now then expired = expired + 1; return 0 end
    return 1
  end
  if not m[2] then return 0 end
end

local st = load()
prune_all(st)
local failure = guard_failure(st, gid, gtoken, grole)
if failure then flush(st); return failure end
local out = {}
remove_tree(st, id, out)
flush(st)
return #out
