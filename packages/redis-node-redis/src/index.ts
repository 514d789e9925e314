// @kf/redis-node-redis has no public API yet. It will hold createNodeRedis(options | client): IRedis on node-redis, for a client, a cluster or a Sentinel set.
// Until that code lands and is tested against real servers, nothing is exported.
export {};
