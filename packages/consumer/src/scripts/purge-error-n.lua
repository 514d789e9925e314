-- Removes one entry from the error list for good and, in the same step, the pending entry
-- its unit may have kept: a unit error-listed as malformed keeps its id in its partition's
-- pending set (the node that listed it could not read the partition), and left there it
-- would hold the partition's completed watermark back for ever.
-- KEYS[1] error list
-- KEYS[2] the pending sorted set of the unit's partition (absent when not known)
-- ARGV[1] the entry exactly as listed (its identity in the error list)
-- ARGV[2] the unit's id to remove from KEYS[2] ('' for none)
-- Reply: {1, pending entries removed (0 or 1)} purged | {3} the entry is no longer on the
--        error list (requeued or purged by someone else): nothing is changed
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return {3}
end
local cleared = 0
if ARGV[2] ~= '' and KEYS[2] then
  cleared = redis.call('ZREM', KEYS[2], ARGV[2])
end
return {1, cleared}
