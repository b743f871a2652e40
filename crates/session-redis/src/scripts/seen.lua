-- seen: ARGV id. The live session's last use becomes now (never earlier than it was); its
-- expiry, indexes and body stay. Replies 'live', or 'none' when the session is gone or expired.
local id = arg()
local rec = redis.call('HGET', H, 's' .. id)
if not rec or expires_of(rec) <= now then return reply('none') end
local h = head(rec)
if h.updated < now then
  redis.call('HSET', H, 's' .. id, with_times(rec, now, h.expires))
end
return reply('live')
