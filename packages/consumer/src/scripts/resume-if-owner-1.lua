-- Lifts a pause only when it is still the one the caller set: an operator who paused the
-- group meanwhile (the note then differs: a pause taken over from an offsets reset) keeps
-- the group paused.
-- KEYS[1] paused string
-- ARGV[1] the pause note the caller set
-- Reply: {1} lifted | {3, the note in place ('' when the group is not paused: the
--        caller's pause lapsed)}: unchanged
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {1}
end
return {3, current or ''}
