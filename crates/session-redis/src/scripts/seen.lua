-- seen: ARGV id. The live session's last use becomes now (never earlier than it was); its
-- expiry, indexes and body stay. Returns 1 when the session is live, else 0.
local id = arg()
local rec = redis.call('HGET', H, 's' .. id)
if not rec then return 0 end
local h = head(rec)
if h.expires <= now then return 0 end
if h.updated < now then
  redis.call('HSET', H, 's' .. id, with_times(rec, now, h.expires))
end
return 1
