// @kf/redis-single has no public API yet. It will hold createSingleRedis(options | client): IRedis on ioredis, for one server or a Sentinel set.
// Until that code lands and is tested against real servers, nothing is exported.
export {};
