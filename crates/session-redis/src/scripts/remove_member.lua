-- remove_member: ARGV[3] = group id, ARGV[4] = member id. Returns 1 when it was a live member.
local gid = ARGV[3]
local mid = ARGV[4]
if not live(mid) then return 0 end
if redis.call('HGET', skey(mid), 'parent') ~= gid then return 0 end
if remove_tree(mid, nil) > 0 then return 1 end
return 0
