-- issue_credential: ARGV hash, ttl ms, most kept. Replies 'ok'.
local hash, ttl, most = ARGS[2], tonumber(ARGS[3]), tonumber(ARGS[4])
local st = load()
prune_all(st)
while true do
  local count, oldest, at = 0, nil, nil
  for k, c in pairs(st.creds) do
    count = count + 1
    if not at or c.created < at or (c.created == at and k < oldest) then oldest, at = k, c.created end
  end
  if count < most or not oldest then break end
  st.creds[oldest] = nil
  del(st, 'c' .. oldest)
end
-- Issued one after the other within a millisecond, each is still newer than the last: `created`
-- orders them for eviction.
local newest = 0
for _, c in pairs(st.creds) do
  if c.created > newest then newest = c.created end
end
local created = math.min(math.max(now, newest + 1), now + ttl)
st.creds[hash] = { created = created, expires = now + ttl }
set(st, 'c' .. hash, struct.pack('>I6I6', created, now + ttl))
flush(st)
return reply('ok')
