-- update: ARGV id, guard id (''), guard token, guard role (''), then the patch: role op
-- ('' keep | 's' set | 'c' clear) and role, subject op ('' keep | 's' set value | 'f' set false |
-- 'c' drop), subject, attrs op ('' keep | 's' set | 'c' clear) and attrs (MessagePack map), token
-- op ('' keep | 's' set) and the token hash (16 bytes).
-- Returns {'ok', head, body | false} | {'none'} | {'unauthorized'} | {'forbidden'}.
local id, gid, gtoken, grole = arg(), arg(), arg(), arg()
local role_op, role = arg(), arg()
local subject_op, subject = arg(), arg()
local attrs_op, attrs = arg(), arg()
local token_op, token = arg(), arg()

local st = load()
prune_all(st)
local failure = guard_failure(st, gid, gtoken, grole)
if failure then flush(st); return { failure } end
local rec = st.recs[id]
if not rec then flush(st); return { 'none' } end
local h = st.heads[id]
if role_op ~= '' then
  if role_op == 's' then h.role = role else h.role = nil end
end
if token_op == 's' then h.token = token end
if role_op ~= '' or token_op ~= '' then rec = pack_head(h) end
rec = with_times(rec, now, h.expires)
local desc, tail = split_body(st.bodies[id])
if subject_op == 's' then desc.s = subject
elseif subject_op == 'f' then desc.s = false
elseif subject_op == 'c' then desc.s = nil end
if attrs_op == 's' then tail = attrs elseif attrs_op == 'c' then tail = '' end
local body = join_body(desc, tail)
replace(st, id, rec)
if body then st.bodies[id] = body; set(st, 'd' .. id, body) else st.bodies[id] = nil; del(st, 'd' .. id) end
flush(st)
return { 'ok', rec, body or false }
