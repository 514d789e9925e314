-- Shared snippet, included ahead of the scripts that read the clock.
-- now_ms(): Redis server time in milliseconds, the one clock every node agrees on.
-- Scripts replicate their effects (Redis >= 5), so TIME may precede writes.
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
