-- Pauses the group until someone resumes it. A pause that has an expiry is an offsets
-- reset's temporary one: it is taken over (this note, no expiry), so the reset's release,
-- which lifts only its own note, leaves the group paused as this caller asked. A pause
-- with no expiry is someone's lasting pause: it is kept, note and all.
-- KEYS[1] paused string
-- ARGV[1] the caller's pause note
-- Reply: {1, ''} paused | {1, the reset's note} took a temporary pause over
--      | {3, the note in place} paused already: unchanged
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1])
  return {1, ''}
end
if redis.call('PTTL', KEYS[1]) >= 0 then
  -- SET without KEEPTTL drops the expiry.
  redis.call('SET', KEYS[1], ARGV[1])
  return {1, current}
end
return {3, current}
