-- Takes the leader lock when it is free and opens a new leadership term.
-- KEYS[1] leader key (string: the holder's token, with a PX expiry)
-- KEYS[2] epoch key (string: the fencing counter)
-- ARGV[1] token: random, unique to this attempt
-- ARGV[2] lock TTL in milliseconds
-- Reply: {1, epoch} when taken (epoch incremented, so every term has its own);
--        {0, pttl} when another holder has it (pttl: its remaining ms, -1 with no expiry).
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('INCR', KEYS[2])}
end
return {0, redis.call('PTTL', KEYS[1])}
