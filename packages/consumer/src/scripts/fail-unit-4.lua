-- Hands back a unit whose attempt failed: queued again with one more attempt, or, when
-- it must not be retried, moved to the error list with its reason. Never dropped.
-- KEYS[1] working list of the node that claimed the unit
-- KEYS[2] work list (a retry goes to its head, behind the units already waiting)
-- KEYS[3] error list
-- KEYS[4] pending sorted set of the unit's partition
-- ARGV[1] the unit exactly as claimed
-- ARGV[2] the unit's id ('' for a malformed unit; KEYS[4] is then not touched)
-- ARGV[3] the unit to queue again (attempts + 1), encoded; '' to give up
-- ARGV[4] the error entry (unit, reason, time), encoded; used when giving up
-- Reply: {1} requeued | {4} moved to the error list | {3} no longer in the working
--        list (recovered by the leader meanwhile): nothing is changed
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return {3}
end
if ARGV[3] ~= '' then
  redis.call('LPUSH', KEYS[2], ARGV[3])
  return {1}
end
redis.call('RPUSH', KEYS[3], ARGV[4])
-- A malformed unit has no id and was never pending.
if ARGV[2] ~= '' then
  redis.call('ZREM', KEYS[4], ARGV[2])
end
return {4}
