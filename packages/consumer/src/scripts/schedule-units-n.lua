-- Queues the new units of one or more partitions and advances their saved offsets, each
-- partition all or nothing, and only for the current leader: a deposed leader (older
-- epoch) writes nothing, nor does any leader while the group is paused (a tick that read
-- the pause flag before a pause landed). One call per organiser tick, whatever the number
-- of partitions.
-- KEYS[1] work list: units are pushed at its head, workers take from its tail (FIFO)
-- KEYS[2] offsets hash: field `topic/partition` → the next offset to schedule
-- KEYS[3] epoch string: the fencing counter of the leader lock
-- KEYS[4] paused string: present while the group is paused
-- KEYS[4 + i] pending sorted set of the i-th partition: unit id → start offset
-- ARGV[1] the caller's epoch
-- ARGV[2] the caller's ordering; under 'partition' a partition's units are queued only
--   while none of its units is pending (a unit requeued from the error list since the plan
--   was made)
-- ARGV[3..] per partition, in the order of its pending key: the offsets field
--   (`topic/partition`), the saved offset the plan started from ('' when none was saved),
--   the new saved offset (the end of the last unit), the number of units n, then n times
--   three values: encoded unit, unit id, start offset
-- Reply: {2, current epoch} when deposed, {7} when paused, else {1, then per partition two values:
--   1, units queued | 3, saved offset (-1: none) when it moved since the plan was made |
--   6, units pending when ARGV[2] is 'partition' and some are}
local epoch = redis.call('GET', KEYS[3])
if epoch ~= ARGV[1] then
  return {2, tonumber(epoch) or 0}
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return {7}
end
local reply = {1}
local oneAtATime = ARGV[2] == 'partition'
local a = 3
for k = 5, #KEYS do
  local field, planned, nextOffset, n = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  local first = a + 4
  a = first + 3 * n
  local saved = redis.call('HGET', KEYS[2], field)
  local pending = (oneAtATime and n > 0) and redis.call('ZCARD', KEYS[k]) or 0
  if (saved or '') ~= planned then
    reply[#reply + 1] = 3
    reply[#reply + 1] = tonumber(saved) or -1
  elseif pending > 0 then
    reply[#reply + 1] = 6
    reply[#reply + 1] = pending
  else
    for i = first, a - 1, 3 do
      redis.call('LPUSH', KEYS[1], ARGV[i])
      redis.call('ZADD', KEYS[k], ARGV[i + 2], ARGV[i + 1])
    end
    redis.call('HSET', KEYS[2], field, nextOffset)
    reply[#reply + 1] = 1
    reply[#reply + 1] = n
  end
end
return reply
