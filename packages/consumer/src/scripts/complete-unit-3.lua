-- Completes a claimed unit once user code has finished with it: removes it from the
-- node's working list and from its partition's pending set, and queues the remainder
-- when the node stopped part-way (a close mid-unit).
-- KEYS[1] working list of the node that claimed the unit
-- KEYS[2] pending sorted set of the unit's partition: unit id → start offset
-- KEYS[3] work list (the remainder goes to its tail, to be taken next)
-- ARGV[1] the unit exactly as claimed (its identity in the working list)
-- ARGV[2] the unit's id
-- ARGV[3] the remainder unit, encoded ('' when the whole unit was processed)
-- ARGV[4] the remainder's id
-- ARGV[5] the remainder's start offset
-- Reply: {1} completed | {3} the unit was no longer in the working list: the node's
--        lease lapsed and the leader recovered it, so it will be delivered again
--        (a possible duplicate); nothing is changed
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return {3}
end
redis.call('ZREM', KEYS[2], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[3], ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
end
return {1}
