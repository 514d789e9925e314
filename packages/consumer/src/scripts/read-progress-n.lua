-- Reads, in one step, each partition's saved offset and the lowest start offset of a
-- unit still pending for it, and the group's epoch: a completed watermark taken from
-- this snapshot never passes an offset that was unsettled at that moment, whatever
-- scheduling, completion or offset resets run around it. Read-only.
-- KEYS[1] offsets hash
-- KEYS[2] epoch
-- KEYS[3..] the pending sorted set of each partition, in the order of ARGV
-- ARGV[i] that partition's field in the offsets hash (`topic/partition`)
-- Reply: {epoch, saved 1, lowest pending 1, saved 2, lowest pending 2, ...}, '' for
--        a value that does not exist
local reply = { redis.call('GET', KEYS[2]) or '' }
for i = 1, #ARGV do
  reply[#reply + 1] = redis.call('HGET', KEYS[1], ARGV[i]) or ''
  local lowest = redis.call('ZRANGE', KEYS[i + 2], 0, 0, 'WITHSCORES')
  reply[#reply + 1] = lowest[2] or ''
end
return reply
