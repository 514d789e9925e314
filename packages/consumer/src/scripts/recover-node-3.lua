-- Gives a dead node's claimed units back to the group: when the node's lease has
-- expired by server time, its whole working list moves to the tail of the work list
-- (taken next) and the node leaves the lease set, in one step.
-- Includes lib/server-time.lua (now_ms), through core's withServerTime.
-- KEYS[1] nodes sorted set: nodeId → lease expiry (ms, server time)
-- KEYS[2] working list of the node
-- KEYS[3] work list
-- ARGV[1] nodeId
-- Reply: {1, units moved} | {3} its lease is live (it renewed since it was listed)
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if expiry ~= nil and expiry > now_ms() then
  return {3}
end
local moved = 0
while redis.call('LMOVE', KEYS[2], KEYS[3], 'LEFT', 'RIGHT') do
  moved = moved + 1
end
redis.call('ZREM', KEYS[1], ARGV[1])
return {1, moved}
