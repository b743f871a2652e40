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
st.creds[hash] = { created = now, expires = now + ttl }
set(st, 'c' .. hash, struct.pack('>I6I6', now, now + ttl))
flush(st)
return reply('ok')
