// @kf/redis-cluster has no public API yet. It will hold createClusterRedis(options | client): IRedis on an ioredis Cluster, with fail-over options that ride through a master fail-over.
// Until that code lands and is tested against real servers, nothing is exported.
export {};
