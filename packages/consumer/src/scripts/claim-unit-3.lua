-- Claims up to ARGV[2] units from the tail of the work list for a node, only while the
-- node holds a live lease. A node the leader recovered (its lease lapsed, it was dropped
-- from the lease set) can claim nothing until it renewed: a unit it claimed then would
-- sit in a working list no recovery looks at. Blocking is not possible in a script, so a
-- node waits for work apart (a blocking move of the work list onto itself) and claims
-- here: as many units as it has free slots, in one round trip.
-- Includes lib/server-time.lua (now_ms), through core's withServerTime.
-- KEYS[1] nodes sorted set: nodeId → lease expiry (ms, server time)
-- KEYS[2] work list (units are taken from its tail)
-- KEYS[3] working list of the node
-- ARGV[1] nodeId
-- ARGV[2] the most units to claim (absent: 1)
-- Reply: {1, unit, ...} claimed, oldest first | {3} no live lease: renew it first
--        | {5} the work list is empty
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if expiry == nil or expiry <= now_ms() then
  return {3}
end
local most = tonumber(ARGV[2]) or 1
local reply = {1}
for _ = 1, most do
  local unit = redis.call('LMOVE', KEYS[2], KEYS[3], 'RIGHT', 'LEFT')
  if not unit then break end
  reply[#reply + 1] = unit
end
if #reply == 1 then
  return {5}
end
return reply
