-- Gives back units a live node's working list holds but the node itself does not: a
-- claim whose reply was lost with its connection, or a completion a Redis fail-over
-- undid. Each is moved to the tail of the work list (taken next), if still there.
-- KEYS[1] working list of the node
-- KEYS[2] work list
-- ARGV    the units, as claimed
-- Reply: {1, units moved}
local moved = 0
for i = 1, #ARGV do
  if redis.call('LREM', KEYS[1], 1, ARGV[i]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[i])
    moved = moved + 1
  end
end
return {1, moved}
