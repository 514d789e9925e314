-- Gives back units a live node's working list holds but the node itself does not: a
-- claim whose reply was lost with its connection, or a completion a Redis fail-over
-- undid. Each one still there is pushed to the tail of the work list (taken next),
-- flagged redelivered (it may have reached user code), and only then removed from the
-- working list: under maxmemory a refused push fails the script before it removed
-- anything.
-- Includes lib/mark-redelivered.lua (mark_redelivered).
-- KEYS[1] working list of the node
-- KEYS[2] work list
-- ARGV    the units, as claimed
-- Reply: {1, units moved}
local present = {}
local seen = {}
for i = 1, #ARGV do
  if not seen[ARGV[i]] then
    seen[ARGV[i]] = true
    if redis.call('LPOS', KEYS[1], ARGV[i]) then
      present[#present + 1] = ARGV[i]
    end
  end
end
if #present == 0 then
  return {1, 0}
end
local marked = {}
for i = 1, #present do
  marked[i] = mark_redelivered(present[i])
end
redis.call('RPUSH', KEYS[2], unpack(marked))
for i = 1, #present do
  redis.call('LREM', KEYS[1], 1, present[i])
end
return {1, #present}
