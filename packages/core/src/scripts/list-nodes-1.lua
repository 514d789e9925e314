-- Lists nodes by lease state, judged by server time.
-- Includes lib/server-time.lua (now_ms).
-- KEYS[1] nodes key (sorted set: nodeId -> lease expiry, ms)
-- ARGV[1] 'expired' (expiry <= now) or 'live' (expiry > now)
-- ARGV[2] the most nodes to return
-- Reply: {now, nodeId1, expiry1, nodeId2, expiry2, ...}, earliest expiry first.
local now = now_ms()
local range
if ARGV[1] == 'expired' then
  range = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, ARGV[2])
elseif ARGV[1] == 'live' then
  range = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[2])
else
  return redis.error_reply('ERR list-nodes: ARGV[1] must be expired or live')
end
table.insert(range, 1, now)
return range
