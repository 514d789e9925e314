-- Reads the server section of INFO from the server that holds the group's keys (a
-- script runs where its key lives, so on a Cluster this is the group's own shard).
-- KEYS[1] any key of the group: only routes the call
-- Reply: the INFO server text
return redis.call('INFO', 'server')
