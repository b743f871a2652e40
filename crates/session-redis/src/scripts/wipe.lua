-- wipe (testing mode): removes everything the owner holds. Replies 'ok', the sessions and the
-- documents it removed.
local fields = redis.call('HKEYS', H)
local sessions, docs = 0, 0
for _, f in ipairs(fields) do
  if f == 'u' then docs = 1
  elseif string.sub(f, 1, 1) == 's' then sessions = sessions + 1 end
end
redis.call('DEL', H, X, C)
return reply('ok', sessions, docs)
