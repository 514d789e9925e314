-- Renews a node's lease: its score becomes now + TTL, in server time.
-- Includes lib/server-time.lua (now_ms).
-- KEYS[1] nodes key (sorted set: nodeId -> lease expiry, ms)
-- ARGV[1] nodeId
-- ARGV[2] lease TTL in milliseconds
-- Reply: {expiry, was_live}: the new expiry, and 1 when the previous lease had not yet
--        expired, 0 when the node was unknown or its lease had lapsed (its units may
--        have been recovered and run elsewhere).
local now = now_ms()
local previous = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
local expiry = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
if previous ~= nil and previous > now then
  return {expiry, 1}
end
return {expiry, 0}
