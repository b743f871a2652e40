-- join_group: ARGV[3] = group id, ARGV[4] = capacity, then the member.
-- Returns {'ok'} | {'notfound'} | {'conflict'} | {'full'}.
local gid = ARGV[3]
local cap = tonumber(ARGV[4])
argi = 4
local m = read_session()
prune(PRUNE_STEP)
if not live(gid) then return { 'notfound' } end
if live(m.id) then return { 'conflict' } end
local mk = mkey(gid)
redis.call('ZREMRANGEBYSCORE', mk, '-inf', ms(now))
if redis.call('ZCARD', mk) >= cap then return { 'full' } end
insert(m)
return { 'ok' }
