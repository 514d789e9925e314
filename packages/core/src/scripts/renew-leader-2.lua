-- Extends the leader lock, only for the holder of the current term.
-- KEYS[1] leader key (string: the holder's token, with a PX expiry)
-- KEYS[2] epoch key (string: the fencing counter)
-- ARGV[1] token the term was acquired with
-- ARGV[2] lock TTL in milliseconds
-- ARGV[3] epoch of that term
-- Reply: {1, epoch} when renewed;
--        {0, current epoch} when the lock expired or another term began (deposed).
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if redis.call('GET', KEYS[1]) == ARGV[1] and current == tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, current}
end
return {0, current}
