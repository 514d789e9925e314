-- Shared snippet, included ahead of the scripts that give a unit back after a node may
-- have handed it to user code (a dead node's recovery, an orphan's requeue).
-- mark_redelivered(raw): the unit with its redelivery count `r` raised by one, by string
-- surgery on its first bytes: re-encoding it (cjson) would round offsets above 14
-- digits. A count, not a flag: the marked string always differs from the one the
-- previous holder claimed, so that holder, if it still runs, can neither complete nor
-- remove the unit's new claim (its LREM finds its own string gone and changes nothing).
-- Units are encoded with `r` first ('{"r":0,…'); one of the previous release lacks it,
-- and gets it put in front ('{"id":…' becomes '{"r":1,"id":…'). What is not a JSON
-- object with a first key is returned as it is: it goes to the error list raw.
local function mark_redelivered(raw)
  local count, rest = string.match(raw, '^{"r":(%d+),(.*)$')
  if count ~= nil then
    return '{"r":' .. (tonumber(count) + 1) .. ',' .. rest
  end
  if string.match(raw, '^{%s*"') then
    return '{"r":1,' .. string.sub(raw, 2)
  end
  return raw
end
