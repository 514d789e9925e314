// @kf/protocol has no public API yet. It will hold the IRedis interface (only the Redis operations kf uses, with options objects), the shared types, the error classes with stable codes, and the adapter conformance suite at @kf/protocol/testkit.
// Until that code lands and is tested against real servers, nothing is exported.
export {};
