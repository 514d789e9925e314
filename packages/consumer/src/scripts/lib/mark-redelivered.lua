-- Shared snippet, included ahead of the scripts that give a unit back after a node may
-- have handed it to user code (a dead node's recovery, an orphan's requeue).
-- mark_redelivered(raw): the unit with its redelivery flag set, by string surgery on
-- its first bytes: re-encoding it (cjson) would round offsets above 14 digits. Units
-- are encoded with the flag first ('{"r":0,' or '{"r":1,'); one of the previous release
-- lacks it, and gets it put in front ('{"id":…' becomes '{"r":1,"id":…'). What is not a
-- JSON object with a first key is returned as it is: it goes to the error list raw.
local function mark_redelivered(raw)
  local head = string.sub(raw, 1, 7)
  if head == '{"r":1,' then
    return raw
  end
  if head == '{"r":0,' then
    return '{"r":1,' .. string.sub(raw, 8)
  end
  if string.match(raw, '^{%s*"') then
    return '{"r":1,' .. string.sub(raw, 2)
  end
  return raw
end
