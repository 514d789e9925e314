-- Removes a node from the lease set only if its lease has expired by server time, so a
-- node that renewed since it was listed as expired keeps its lease.
-- Includes lib/server-time.lua (now_ms).
-- KEYS[1] nodes key (sorted set: nodeId -> lease expiry, ms)
-- ARGV[1] nodeId
-- Reply: 1 when removed; 0 when its lease is live again or it is not in the set.
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if expiry ~= nil and expiry <= now_ms() then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
