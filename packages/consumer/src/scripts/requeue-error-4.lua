-- Takes one entry off the error list and queues its unit again with its attempts reset,
-- pending once more, so it runs as if new (flagged redelivered by the caller). The unit
-- is pushed and made pending before the entry is removed: under maxmemory a refused
-- push fails the script before it removed anything.
-- KEYS[1] error list
-- KEYS[2] work list (the unit goes to its tail, to be taken next)
-- KEYS[3] pending sorted set of the unit's partition
-- KEYS[4] ordering string: the `ordering` the group's leader schedules under
-- ARGV[1] the error entry exactly as listed (its identity in the error list)
-- ARGV[2] the unit to queue, encoded, attempts reset
-- ARGV[3] the unit's id
-- ARGV[4] the unit's start offset
-- ARGV[5] the caller's ordering. When it or the group's is 'partition', the unit is queued
--         only while no other unit of its partition is pending, so the partition's user
--         code never runs twice at once: a key an earlier leader left, or none yet, never
--         makes a caller who orders by partition less careful
-- Reply: {1} requeued | {3} the entry is no longer on the error list (someone else
--        requeued or removed it): nothing is changed | {6} another unit of the partition
--        is pending (ordering 'partition'): nothing is changed
if not redis.call('LPOS', KEYS[1], ARGV[1]) then
  return {3}
end
if ARGV[5] == 'partition' or redis.call('GET', KEYS[4]) == 'partition' then
  -- A unit error-listed as malformed kept its own pending entry: that one is not another.
  local own = redis.call('ZSCORE', KEYS[3], ARGV[3]) and 1 or 0
  if redis.call('ZCARD', KEYS[3]) > own then
    return {6}
  end
end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
redis.call('LREM', KEYS[1], 1, ARGV[1])
return {1}
