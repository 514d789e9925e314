-- Moves the saved offsets of some partitions of one topic and drops the units of those
-- partitions still waiting in the work list, in one step, safe while nodes run.
--
-- Invariants it keeps:
-- 0. It applies only to the saved offsets it was planned from: when any chosen
--    partition's saved offset differs from the one the caller read (a leader scheduled
--    meanwhile, another reset ran, or this very script is sent again after a lost
--    connection and finds its own first run), it changes nothing and says which moved.
--    So a resend is refused rather than applied twice, and its refusal names the offsets.
-- 1. From the new saved offset on, every offset of a chosen partition is scheduled: the
--    leader schedules from the saved offset, and a leader write planned before this
--    script ran (from the old saved offset) finds the saved offset moved and writes
--    nothing (schedule-units' check: it writes only while the saved offset still equals
--    the one its plan started from). A partition whose offset did not move keeps that
--    plan, which starts where the reset puts it anyway.
-- 2. No queued unit of a chosen partition survives: each one leaves the work list and
--    its id leaves the partition's pending set, so no range below the new position runs
--    and none above it runs twice. The dropped units are returned, for the caller to
--    report: their offsets are delivered again only if the new position is below them.
-- 3. Claimed units (in a node's working list) are not touched: they run to completion
--    or failure as usual, and keep their pending entries until then, so the completed
--    watermark never passes an offset still being processed. Their retries and a dead
--    node's recovery queue their ranges again: such a range may run once more.
-- 4. Nothing is removed before every write that can be refused went through: the saved
--    offsets are set by one HSET first (under maxmemory it is refused whole, and then
--    nothing has changed); LREM and ZREM only free memory and are never refused.
-- 5. Only units whose JSON names the topic and a chosen partition are dropped; a string
--    that is not a unit stays queued, for a worker to error-list as it always does.
-- The work list is read whole: the organiser keeps it near conf.maxQueuedUnits.
--
-- KEYS[1] work list
-- KEYS[2] offsets hash: field `topic/partition` → the next offset to schedule
-- KEYS[3..] the pending sorted set of each chosen partition, in the order of ARGV
-- ARGV[1] topic
-- ARGV[2..] per partition, three values: partition number, new saved offset, the saved
--           offset the reset was planned from ('' where none was saved)
-- Reply: {1, {each dropped unit, as it was queued}} applied
--      | {3, {partition, saved offset now ('' for none), ...}} some saved offset is not
--        the one planned from: nothing is changed
local topic = ARGV[1]
local fields = {}
local slot = {}
local moved = {}
for i = 2, #ARGV, 3 do
  local n = (i - 2) / 3 + 1
  local field = topic .. '/' .. ARGV[i]
  local now = redis.call('HGET', KEYS[2], field) or ''
  if now ~= ARGV[i + 2] then
    moved[#moved + 1] = ARGV[i]
    moved[#moved + 1] = now
  end
  slot[ARGV[i]] = 2 + n
  fields[#fields + 1] = field
  fields[#fields + 1] = ARGV[i + 1]
end
if #fields == 0 then
  return redis.error_reply('ERR reset-offsets: no partition given')
end
if #moved > 0 then
  return {3, moved}
end
redis.call('HSET', KEYS[2], unpack(fields))

local dropped = {}
local queued = redis.call('LRANGE', KEYS[1], 0, -1)
for i = 1, #queued do
  local raw = queued[i]
  local ok, unit = pcall(cjson.decode, raw)
  if ok and type(unit) == 'table' and unit.topic == topic and type(unit.id) == 'string'
      and type(unit.partition) == 'number' then
    local key = slot[tostring(unit.partition)]
    if key ~= nil then
      redis.call('LREM', KEYS[1], 1, raw)
      redis.call('ZREM', KEYS[key], unit.id)
      dropped[#dropped + 1] = raw
    end
  end
end
return {1, dropped}
