-- remove_member / leave: ARGV group id, member id, guard id (''), guard token, guard role (''),
-- ending role (''): when the member's role is it, the whole group goes.
-- Replies 'ok' and the number of sessions deleted; or 'unauthorized' or 'forbidden'.
local gid, mid, guard_id, gtoken, grole, ends = unpack(ARGS, 2, 7)
local st = load()
prune_all(st)
local failure = guard_failure(st, guard_id, gtoken, grole)
if failure then flush(st); return reply(failure) end
local h = st.heads[mid]
if not h or h.parent ~= gid then flush(st); return reply('ok', 0) end
local out = {}
if ends ~= '' and h.role == ends then remove_tree(st, gid, out) else remove_tree(st, mid, out) end
flush(st)
return reply('ok', #out)
