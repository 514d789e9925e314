-- Gives the leader lock up, only when it is still this holder's.
-- KEYS[1] leader key (string: the holder's token, with a PX expiry)
-- ARGV[1] token the lock was acquired with
-- Reply: 1 when released, 0 when it had expired or belongs to another holder.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
