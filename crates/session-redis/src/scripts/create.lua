-- create: ARGV[3] = owner limit ('' = none), ARGV[4] = policy ('refuse' | 'evict'), then the
-- session. Returns {'ok', evicted ids...} | {'conflict'} | {'full'}.
local max = tonumber(ARGV[3])
local policy = ARGV[4]
argi = 4
local s = read_session()
if live(s.id) then return { 'conflict' } end
local out = { 'ok' }
if max then
  prune()
  if redis.call('ZCARD', IDX) >= max then
    if policy ~= 'evict' then return { 'full' } end
    while redis.call('ZCARD', IDX) >= max do
      local oldest = redis.call('ZRANGE', IDX, 0, 0)[1]
      if not oldest then break end
      if remove_tree(id_of(oldest), oldest) > 0 then
        table.insert(out, id_of(oldest))
      end
    end
  end
else
  prune(PRUNE_STEP)
end
insert(s)
return out
