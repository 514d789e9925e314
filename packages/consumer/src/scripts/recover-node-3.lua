-- Gives a dead node's claimed units back to the group: when the node's lease has
-- expired by server time, its whole working list moves to the tail of the work list
-- (taken next), each unit flagged redelivered (the node may have handed it to user
-- code), and the node leaves the lease set, in one step. The units are pushed before
-- the working list is deleted: under maxmemory a refused push fails the script before
-- it removed anything.
-- Includes lib/server-time.lua (now_ms) and lib/mark-redelivered.lua (mark_redelivered).
-- KEYS[1] nodes sorted set: nodeId → lease expiry (ms, server time)
-- KEYS[2] working list of the node
-- KEYS[3] work list
-- ARGV[1] nodeId
-- Reply: {1, units moved} | {3} its lease is live (it renewed since it was listed)
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if expiry ~= nil and expiry > now_ms() then
  return {3}
end
local units = redis.call('LRANGE', KEYS[2], 0, -1)
if #units > 0 then
  local marked = {}
  -- Pushed in chunks: unpack() of a long list would overflow Lua's stack.
  for i = 1, #units do
    marked[#marked + 1] = mark_redelivered(units[i])
    if #marked == 1000 or i == #units then
      redis.call('RPUSH', KEYS[3], unpack(marked))
      marked = {}
    end
  end
  redis.call('DEL', KEYS[2])
end
redis.call('ZREM', KEYS[1], ARGV[1])
return {1, #units}
