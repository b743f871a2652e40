-- remove_member: ARGV group id, member id, guard id (''), guard token, guard role ('').
-- Returns 1 | 0 | 'unauthorized' | 'forbidden'.
local gid, mid, guard_id, gtoken, grole = arg(), arg(), arg(), arg(), arg()
local st = load()
prune_all(st)
local failure = guard_failure(st, guard_id, gtoken, grole)
if failure then flush(st); return failure end
local h = st.heads[mid]
if not h or h.parent ~= gid then flush(st); return 0 end
remove_tree(st, mid, nil)
flush(st)
return 1
