-- Queues one partition's new units and advances its saved offset, all or nothing, and
-- only for the current leader: a deposed leader (older epoch) writes nothing.
-- KEYS[1] work list: units are pushed at its head, workers take from its tail (FIFO)
-- KEYS[2] offsets hash: field `topic/partition` → the next offset to schedule
-- KEYS[3] epoch string: the fencing counter of the leader lock
-- KEYS[4] pending sorted set of this partition: unit id → start offset
-- ARGV[1] the caller's epoch
-- ARGV[2] the offsets field, `topic/partition`
-- ARGV[3] the saved offset the plan started from ('' when none was saved)
-- ARGV[4] the new saved offset: the end of the last unit
-- ARGV[5..] per unit, three values: encoded unit, unit id, start offset
-- Reply: {1, units queued} | {2, current epoch} when deposed |
--        {3, saved offset} when the saved offset moved since the plan was made
local epoch = redis.call('GET', KEYS[3])
if epoch ~= ARGV[1] then
  return {2, tonumber(epoch) or 0}
end
local saved = redis.call('HGET', KEYS[2], ARGV[2])
if (saved or '') ~= ARGV[3] then
  return {3, tonumber(saved) or -1}
end
local queued = 0
for i = 5, #ARGV, 3 do
  redis.call('LPUSH', KEYS[1], ARGV[i])
  redis.call('ZADD', KEYS[4], ARGV[i + 2], ARGV[i + 1])
  queued = queued + 1
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
return {1, queued}
