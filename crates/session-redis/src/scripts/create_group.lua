-- create_group: the group, then its first member. Returns {'ok'} | {'conflict', id}.
local g = read_session()
local m = read_session()
prune(PRUNE_STEP)
if live(g.id) then return { 'conflict', g.id } end
if live(m.id) then return { 'conflict', m.id } end
insert(g)
insert(m)
return { 'ok' }
