// @kf/core has no public API yet. It will hold createRedis(conf), which picks the adapter from the shape of the config and loads it lazily; the validated config schema; the leader lock and node lease helpers.
// Until that code lands and is tested against real servers, nothing is exported.
export {};
