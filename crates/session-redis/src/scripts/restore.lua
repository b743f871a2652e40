-- restore (testing mode): replaces everything the owner holds. ARGV the count of sessions, then
-- id, head, body ('' = none) of each; the count of names, then name and member id of each; the
-- count of credentials, then hash and created + expiry (2 x 6 bytes) of each; the count of
-- refresh histories, then session id and spent prefixes of each; the document ('' = none).
-- Replies 'ok' and the number of sessions stored. With events on, a restore writes no event (it
-- replaces state in testing mode, it is no session's change), but every restored session's
-- expiry goes in the schedule so that the sweep reports its session.expired.
redis.call('DEL', H, X, C)
local st = load()
for _ = 1, tonumber(arg()) do
  local id, rec, body = arg(), arg(), arg()
  insert(st, id, rec, body)
  schedule(expires_of(rec)) -- events
end
for _ = 1, tonumber(arg()) do
  local name, id = arg(), arg()
  st.names[name] = id
  set(st, 'p' .. name, id)
end
for _ = 1, tonumber(arg()) do
  local hash, times = arg(), arg()
  local c, e = struct.unpack('>I6I6', times)
  st.creds[hash] = { created = c, expires = e }
  set(st, 'c' .. hash, times)
end
for _ = 1, tonumber(arg()) do
  local id, spent = arg(), arg()
  st.spent[id] = spent
  set(st, 'r' .. id, spent)
end
local doc = arg()
if doc ~= '' then
  st.doc = doc
  set(st, 'u', doc)
end
flush(st)
return reply('ok', st.count)
