-- Hands back a unit whose attempt failed, in one step: the parts to run again are queued
-- (the rest from where user code got, with one more attempt; or, past a poison message,
-- what follows it, afresh), and the part given up on goes to the error list with its
-- reason. Nothing is dropped.
-- KEYS[1] working list of the node that claimed the unit
-- KEYS[2] work list (units queued again go to its head, behind those already waiting)
-- KEYS[3] error list
-- KEYS[4] pending sorted set of the unit's partition
-- ARGV[1] the unit exactly as claimed
-- ARGV[2] the unit's id ('' for a malformed unit: it was never pending, KEYS[4] is not
--         touched)
-- ARGV[3] the error entry (unit part, reason, detail, time), encoded; '' when nothing
--         is given up
-- ARGV[4..] per unit to queue, three values: encoded unit, unit id, start offset
-- Reply: {1} queued again | {4} a part went to the error list | {3} no longer in the
--        working list (recovered by the leader meanwhile): nothing is changed
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return {3}
end
if ARGV[2] ~= '' then
  redis.call('ZREM', KEYS[4], ARGV[2])
end
for i = 4, #ARGV, 3 do
  redis.call('LPUSH', KEYS[2], ARGV[i])
  redis.call('ZADD', KEYS[4], ARGV[i + 2], ARGV[i + 1])
end
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[3], ARGV[3])
  return {4}
end
return {1}
