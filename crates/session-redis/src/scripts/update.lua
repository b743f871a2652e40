-- update: ARGV id, guard id (''), guard token, guard role (''), then the patch: role op
-- ('' keep | 's' set | 'c' clear) and role, subject op ('' keep | 's' set value | 'f' set false |
-- 'c' drop), subject, attrs op ('' keep | 's' set | 'c' clear) and attrs (MessagePack map), token
-- op ('' keep | 's' set) and the token hash (16 bytes); events only: whether the owner implies
-- a subject ('1' or '').
-- Replies 'ok', head, body | false, the sign events written ('', 'i', 'o' or 'oi'); or 'none',
-- 'unauthorized' or 'forbidden'.
local id, gid, gtoken, grole, role_op, role, subject_op, subject, attrs_op, attrs, token_op, token,
  implied = unpack(ARGS, 2, 14)

local st = load()
prune_all(st)
local failure = guard_failure(st, gid, gtoken, grole)
if failure then flush(st); return reply(failure) end
local rec = st.recs[id]
if not rec then flush(st); return reply('none') end
local h = st.heads[id]
if role_op ~= '' then
  if role_op == 's' then h.role = role else h.role = nil end
end
if token_op == 's' then h.token = token end
if role_op ~= '' or token_op ~= '' then rec = pack_head(h) end
rec = with_times(rec, now, h.expires)
local old_body = st.bodies[id]
local desc, tail = split_body(old_body)
local was = desc.s
if subject_op == 's' then desc.s = subject
elseif subject_op == 'f' then desc.s = false
elseif subject_op == 'c' then desc.s = nil end
if attrs_op == 's' then tail = attrs elseif attrs_op == 'c' then tail = '' end
local body = join_body(desc, tail)
st.bodies[id] = body
replace(st, id, rec)
-- events: a new subject signs the old one out and the new one in. The body records a subject
-- one way only (nil: the owner's, false: none where the owner implies one, else the value), so
-- the subject changed exactly when its record did.
local signs = ''
if E and was ~= desc.s then
  local function has(v) return v == nil and implied == '1' or type(v) == 'string' end
  if has(was) then emit('o', id, h.parent, nil, desc_of(old_body)); signs = 'o' end
  if has(desc.s) then emit('i', id, h.parent, nil, desc_of(body)); signs = signs .. 'i' end
end
flush(st)
return reply('ok', rec, body or false, signs)
