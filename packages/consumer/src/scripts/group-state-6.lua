-- Reads the group's coordination state in one step, so a status shows one moment: the
-- leader lock's remaining time and holder, the epoch, the pause note, the node leases and
-- the lengths of the work and error lists, judged by the server's clock. Writes nothing.
-- Includes lib/server-time.lua (now_ms).
-- KEYS[1] leader string (the holder's token, `<node id>#<32 hex>`, with a PX expiry)
-- KEYS[2] epoch string
-- KEYS[3] paused string (present while the group is paused)
-- KEYS[4] nodes sorted set: nodeId → lease expiry (ms, server time)
-- KEYS[5] work list
-- KEYS[6] error list
-- Reply: {now, leader PTTL (-2 when nobody holds the lock, -1 with no expiry),
--         leader node id ('' when nobody holds the lock, or its token names no node:
--         a lock taken by an older kf), epoch ('' when never led), pause note ('' when
--         not paused), work length, error length, nodeId1, expiry1, nodeId2, expiry2, ...}.
--         Only the node id part of the token is returned, never its random part:
--         whoever has the whole token could renew or release the lock.
local token = redis.call('GET', KEYS[1])
local holder = ''
if token then
  holder = string.match(token, '^(.+)#' .. string.rep('%x', 32) .. '$') or ''
end
local reply = {
  now_ms(),
  redis.call('PTTL', KEYS[1]),
  holder,
  redis.call('GET', KEYS[2]) or '',
  redis.call('GET', KEYS[3]) or '',
  redis.call('LLEN', KEYS[5]),
  redis.call('LLEN', KEYS[6]),
}
local nodes = redis.call('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')
for i = 1, #nodes do
  reply[#reply + 1] = nodes[i]
end
return reply
