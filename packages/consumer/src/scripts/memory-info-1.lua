-- Reads the memory section of INFO from the server that holds the group's keys (a
-- script runs where its key lives, so on a Cluster this is the group's own shard).
-- KEYS[1] any key of the group: only routes the call
-- Reply: the INFO memory text
return redis.call('INFO', 'memory')
