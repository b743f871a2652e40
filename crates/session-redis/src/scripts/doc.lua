-- doc (events): changes the run-time tenant document KEYS[1] and writes its tenant.changed
-- event to KEYS[2], the stream of the document's partition: ARGV op ('p' put, 'i' insert unless
-- present, 'd' delete), value, collection, id. Replies 'ok' and, for 'i', the document that was
-- there (false when this call inserted it), for 'd', whether one was deleted. Nothing changed,
-- nothing written.
local D, S = KEYS[1], KEYS[2]
local op, value, collection, id = ARGS[2], ARGS[3], ARGS[4], ARGS[5]
local function changed(kind)
  redis.call('XADD', S, 'MAXLEN', '~', EVENTS_KEPT, '*', 'k', kind, 't', now_text, 'o', collection,
    'i', id, 'g', '', 'x', '', 'd', '')
end
if op == 'p' then
  redis.call('SET', D, value)
  changed('tp')
  return reply('ok')
elseif op == 'i' then
  local was = redis.call('SET', D, value, 'NX', 'GET')
  if not was then changed('tp') end
  return reply('ok', was)
end
local n = redis.call('DEL', D)
if n > 0 then changed('td') end
return reply('ok', n)
