-- doc_insert: KEYS[1] = the collection's hash, ARGV[1] = id, ARGV[2] = document.
-- Stores the document unless one exists. Returns {inserted (0|1), stored document}.
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  return { 1, ARGV[2] }
end
return { 0, redis.call('HGET', KEYS[1], ARGV[1]) }
