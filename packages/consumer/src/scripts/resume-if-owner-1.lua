-- Lifts a pause only when it is still the one the caller set: an operator who paused the
-- group meanwhile (the note then differs) keeps the group paused.
-- KEYS[1] paused string
-- ARGV[1] the pause note the caller set
-- Reply: {1} lifted | {3} the note is another's, or the group is not paused: unchanged
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {1}
end
return {3}
