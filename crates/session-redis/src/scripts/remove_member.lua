-- remove_member / leave: ARGV group id, member id, guard id (''), guard token, guard role (''),
-- ending role (''): when the member's role is it, the whole group goes; with events on, the
-- member's revocation kind (`rk` kicked, `rn` disconnected).
-- Replies 'ok' and the number of sessions deleted; or 'unauthorized' or 'forbidden'.
local gid, mid, guard_id, gtoken, grole, ends, reason = unpack(ARGS, 2, 8)
local st = load()
prune_all(st)
local failure = guard_failure(st, guard_id, gtoken, grole)
if failure then flush(st); return reply(failure) end
local h = st.heads[mid]
if not h or h.parent ~= gid then flush(st); return reply('ok', 0) end
local out = {}
-- The member leaves first; when its role ends the group, the group follows.
local body = st.bodies[mid]
why = reason -- events
remove_tree(st, mid, out)
if E then emit('l', mid, gid, nil, desc_of(body)) end -- events
if ends ~= '' and h.role == ends then why = 'rg'; remove_tree(st, gid, out) end
flush(st)
return reply('ok', #out)
