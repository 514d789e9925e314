import type { AddressInput } from '../../src/config/types.js';

// Only the types file is imported: the consumer's tests build this table too, and a type
// import keeps the rest of core's sources out of the consumer's type check.

/** A valid whole config the table's entries break one field of. */
export interface BaseConfig {
  bootstrapBrokers: AddressInput[];
  redis: { host: string; port: number; groupName: string };
}

/** Settings merged into the section of a {@link BaseConfig} each key names. */
export interface ConfigPatch {
  root?: Record<string, unknown>;
  redis?: Record<string, unknown>;
  conf?: Record<string, unknown>;
  kafka?: Record<string, unknown>;
}

/** `valid` with `patch` merged into each section it names. */
export function patchConfig(valid: BaseConfig, patch: ConfigPatch): unknown {
  return {
    ...valid,
    ...patch.root,
    redis: { ...valid.redis, ...patch.redis },
    ...(patch.conf ? { conf: patch.conf } : {}),
    ...(patch.kafka ? { kafka: patch.kafka } : {}),
  };
}

/** A whole config (as `parseConfig` and `createNode` take it) that is wrong in one field. */
export interface InvalidCase {
  name: string;
  input: unknown;
  /** The one field path the error names. */
  path: string;
  /** A fragment of that issue's message. */
  message: RegExp;
}

/**
 * The invalid configs, each built on `valid`: the fields an entry does not set keep
 * `valid`'s addresses, so a caller picks where a config that slipped through would connect.
 */
export function invalidConfigs(valid: BaseConfig): InvalidCase[] {
  const withPatch = (patch: ConfigPatch) => patchConfig(valid, patch);
  return [
    {
      name: 'not an object',
      input: 'redis://x',
      path: '',
      message: /expected the kf config object/,
    },
    {
      name: 'bootstrapBrokers missing',
      input: { redis: valid.redis },
      path: 'bootstrapBrokers',
      message: /but it is missing/,
    },
    {
      name: 'bootstrapBrokers empty',
      input: withPatch({ root: { bootstrapBrokers: [] } }),
      path: 'bootstrapBrokers',
      message: /at least one Kafka broker/,
    },
    {
      name: 'broker without port',
      input: withPatch({ root: { bootstrapBrokers: ['127.0.0.1:9092', 'kafka-2'] } }),
      path: 'bootstrapBrokers[1]',
      message: /expected 'host:port'/,
    },
    {
      name: 'broker port out of range',
      input: withPatch({ root: { bootstrapBrokers: ['kafka:70000'] } }),
      path: 'bootstrapBrokers[0]',
      message: /port from 1 to 65535.*"kafka:70000"/,
    },
    {
      name: 'broker object with a string port',
      input: withPatch({ root: { bootstrapBrokers: [{ host: 'kafka', port: '9092' }] } }),
      path: 'bootstrapBrokers[0].port',
      message: /whole number.*got "9092"/,
    },
    {
      name: 'broker of the wrong type',
      input: withPatch({ root: { bootstrapBrokers: [9092] } }),
      path: 'bootstrapBrokers[0]',
      message: /'host:port' or \{ host, port \}, got 9092/,
    },
    {
      name: 'broker listed twice',
      input: withPatch({ root: { bootstrapBrokers: ['k:1', 'k:2', { host: 'k', port: 1 }] } }),
      path: 'bootstrapBrokers[2]',
      message: /once, but k:1 is also at \[0\]/,
    },
    {
      name: 'broker object with an unknown key',
      input: withPatch({ root: { bootstrapBrokers: [{ host: 'k', port: 1, hots: 'x' }] } }),
      path: 'bootstrapBrokers[0].hots',
      message: /did you mean host\?/,
    },
    {
      name: 'unknown top-level key',
      input: withPatch({ root: { bootstrapBroker: ['k:1'] } }),
      path: 'bootstrapBroker',
      message: /did you mean bootstrapBrokers\?/,
    },
    {
      name: 'kafka-clj spelling of a key',
      input: withPatch({ root: { 'bootstrap-brokers': ['k:1'] } }),
      path: '["bootstrap-brokers"]',
      message: /did you mean bootstrapBrokers\?/,
    },
    {
      name: 'redis missing',
      input: { bootstrapBrokers: ['k:1'] },
      path: 'redis',
      message: /expected an object of Redis settings, but it is missing/,
    },
    {
      name: 'groupName missing',
      input: { bootstrapBrokers: ['k:1'], redis: { host: 'r' } },
      path: 'redis.groupName',
      message: /consumer group name.*missing/,
    },
    {
      name: 'groupName with a brace',
      input: withPatch({ redis: { groupName: 'a}b' } }),
      path: 'redis.groupName',
      message: /without \{ or \}/,
    },
    {
      name: 'host string with a port',
      input: withPatch({ redis: { host: 'redis:6379', port: undefined } }),
      path: 'redis.host',
      message: /without a port/,
    },
    {
      name: 'host list element without a port',
      input: withPatch({ redis: { host: ['r1:7000', 'r2', 'r3:7002'], port: undefined } }),
      path: 'redis.host[1]',
      message: /expected 'host:port'/,
    },
    {
      name: 'host list element of the wrong type',
      input: withPatch({ redis: { host: ['r1:7000', 7001], port: undefined } }),
      path: 'redis.host[1]',
      message: /got 7001/,
    },
    {
      name: 'host list empty',
      input: withPatch({ redis: { host: [], port: undefined } }),
      path: 'redis.host',
      message: /at least one Redis node/,
    },
    {
      name: 'host list with a duplicate',
      input: withPatch({ redis: { host: ['r:1', 'r:2', 'r:1'], port: undefined } }),
      path: 'redis.host[2]',
      message: /also at \[0\]/,
    },
    {
      name: 'host of the wrong type',
      input: withPatch({ redis: { host: 6379 } }),
      path: 'redis.host',
      message: /host name, or a list of nodes/,
    },
    {
      name: 'port with a host list',
      input: withPatch({ redis: { host: ['r1:7000', 'r2:7001'], port: 7000 } }),
      path: 'redis.port',
      message: /no port with a host list/,
    },
    {
      name: 'port zero',
      input: withPatch({ redis: { port: 0 } }),
      path: 'redis.port',
      message: /from 1 to 65535, got 0/,
    },
    {
      name: 'masterName without sentinels',
      input: { ...valid, redis: { groupName: 'g', masterName: 'mymaster' } },
      path: 'redis.sentinelAddresses',
      message: /alongside masterName/,
    },
    {
      name: 'sentinels without masterName',
      input: { ...valid, redis: { groupName: 'g', sentinelAddresses: ['s:26379'] } },
      path: 'redis.masterName',
      message: /alongside sentinelAddresses/,
    },
    {
      name: 'sentinels and a host',
      input: {
        ...valid,
        redis: { groupName: 'g', sentinelAddresses: ['s:26379'], masterName: 'm', host: 'r' },
      },
      path: 'redis.host',
      message: /no host with Sentinel/,
    },
    {
      name: 'sentinel address malformed',
      input: {
        ...valid,
        redis: { groupName: 'g', sentinelAddresses: ['s:26379', 's2:'], masterName: 'm' },
      },
      path: 'redis.sentinelAddresses[1]',
      message: /expected 'host:port'/,
    },
    {
      name: 'sentinel password without Sentinel',
      input: withPatch({ redis: { sentinelPassword: 'secret' } }),
      path: 'redis.sentinelPassword',
      message: /only with sentinelAddresses/,
    },
    {
      name: 'unknown client',
      input: withPatch({ redis: { client: 'jedis' } }),
      path: 'redis.client',
      message: /"ioredis" or "node-redis", got "jedis"/,
    },
    {
      name: 'empty password',
      input: withPatch({ redis: { password: '' } }),
      path: 'redis.password',
      message: /non-empty string/,
    },
    {
      name: 'tls of the wrong type',
      input: withPatch({ redis: { tls: 'yes' } }),
      path: 'redis.tls',
      message: /true, false, or Node's TLS options/,
    },
    {
      name: 'negative timeout',
      input: withPatch({ redis: { timeout: -1 } }),
      path: 'redis.timeout',
      message: /milliseconds, at least 1, got -1/,
    },
    {
      name: 'clusterNodeTimeout for one server',
      input: withPatch({ redis: { clusterNodeTimeout: 1000 } }),
      path: 'redis.clusterNodeTimeout',
      message: /only with a Redis Cluster/,
    },
    {
      name: 'clusterNodeTimeout with node-redis',
      input: withPatch({
        redis: {
          host: ['r1:1', 'r2:2'],
          port: undefined,
          client: 'node-redis',
          clusterNodeTimeout: 500,
        },
      }),
      path: 'redis.clusterNodeTimeout',
      message: /only with client 'ioredis'/,
    },
    {
      name: 'maxActive, a kafka-clj pool setting kf has no pool for',
      input: withPatch({ redis: { maxActive: 20 } }),
      path: 'redis.maxActive',
      message: /two Redis connections per node.*remove it/,
    },
    {
      name: "max-active, kafka-clj's spelling of the same retired setting",
      input: withPatch({ redis: { 'max-active': 20 } }),
      path: 'redis["max-active"]',
      message:
        /max-active is kafka-clj's spelling of maxActive: .*two Redis connections per node.*remove it/,
    },
    {
      name: 'unitTimeoutMs, renamed handlerTimeoutMs when the limit became per call',
      input: withPatch({ conf: { unitTimeoutMs: 30_000 } }),
      path: 'conf.unitTimeoutMs',
      message: /renamed conf.handlerTimeoutMs, and now per call of user code/,
    },
    {
      name: 'db other than 0 on a cluster',
      input: withPatch({ redis: { host: ['r1:7000', 'r2:7001'], port: undefined, db: 2 } }),
      path: 'redis.db',
      message: /Redis Cluster has only database 0, got 2/,
    },
    {
      name: 'unknown redis key',
      input: withPatch({ redis: { hosts: ['r:1'] } }),
      path: 'redis.hosts',
      message: /did you mean host\?/,
    },
    {
      name: 'kafka-clj redis key spelling',
      input: withPatch({ redis: { 'group-name': 'g' } }),
      path: 'redis["group-name"]',
      message: /did you mean groupName\?/,
    },
    {
      name: 'conf not an object',
      input: withPatch({ root: { conf: 5 } }),
      path: 'conf',
      message: /object of consumer settings, got 5/,
    },
    {
      name: 'consumeStep zero',
      input: withPatch({ conf: { consumeStep: 0 } }),
      path: 'conf.consumeStep',
      message: /offsets, at least 1, got 0/,
    },
    {
      name: 'workCalculateFreq too small',
      input: withPatch({ conf: { workCalculateFreq: 1 } }),
      path: 'conf.workCalculateFreq',
      message: /from 10 to 2147483647, got 1/,
    },
    {
      name: 'workCalculateFreq as a string',
      input: withPatch({ conf: { workCalculateFreq: '100' } }),
      path: 'conf.workCalculateFreq',
      message: /got "100"/,
    },
    {
      name: 'metadataMaxAgeMs below 100 ms',
      input: withPatch({ conf: { metadataMaxAgeMs: 50 } }),
      path: 'conf.metadataMaxAgeMs',
      message: /whole number of milliseconds, from 100 to 2147483647, got 50/,
    },
    {
      name: 'useEarliest as a string',
      input: withPatch({ conf: { useEarliest: 'true' } }),
      path: 'conf.useEarliest',
      message: /true or false, got "true"/,
    },
    {
      name: 'unknown ordering',
      input: withPatch({ conf: { ordering: 'strict' } }),
      path: 'conf.ordering',
      message: /"unordered" or "partition", got "strict"/,
    },
    {
      name: 'maxAttempts zero',
      input: withPatch({ conf: { maxAttempts: 0 } }),
      path: 'conf.maxAttempts',
      message: /at least 1, got 0/,
    },
    {
      name: 'backoff cap below the first backoff',
      input: withPatch({ conf: { retryBackoffMs: 500, maxRetryBackoffMs: 200 } }),
      path: 'conf.maxRetryBackoffMs',
      message: /at least retryBackoffMs \(500\), got 200/,
    },
    {
      name: 'lease TTL too short',
      input: withPatch({ conf: { leaseTtlMs: 50 } }),
      path: 'conf.leaseTtlMs',
      message: /from 100 to/,
    },
    {
      name: 'leader lock TTL infinite',
      input: withPatch({ conf: { leaderLockTtlMs: Number.POSITIVE_INFINITY } }),
      path: 'conf.leaderLockTtlMs',
      message: /whole number of milliseconds/,
    },
    {
      name: 'maxQueuedUnits negative',
      input: withPatch({ conf: { maxQueuedUnits: -10 } }),
      path: 'conf.maxQueuedUnits',
      message: /got -10/,
    },
    {
      name: 'inlineRecordsMaxBytes past 1 MiB',
      input: withPatch({ conf: { inlineRecordsMaxBytes: 2_000_000 } }),
      path: 'conf.inlineRecordsMaxBytes',
      message: /from 0 to 1048576, got 2000000/,
    },
    {
      name: 'commitIntervalMs below 100 ms',
      input: withPatch({ conf: { commitIntervalMs: 10 } }),
      path: 'conf.commitIntervalMs',
      message: /from 100 to 2147483647, got 10/,
    },
    {
      name: 'commitToKafka as a string',
      input: withPatch({ conf: { commitToKafka: 'no' } }),
      path: 'conf.commitToKafka',
      message: /true or false, got "no"/,
    },
    {
      name: 'kafka.groupId empty',
      input: withPatch({ kafka: { groupId: '' } }),
      path: 'kafka.groupId',
      message: /consumer group kf commits its progress to/,
    },
    {
      name: 'kafka.client naming a client kf has no port for',
      input: withPatch({ kafka: { client: 'rdkafka' } }),
      path: 'kafka.client',
      message: /"kafkajs" or "platformatic"/,
    },
    {
      name: 'kafka.isolation misspelt',
      input: withPatch({ kafka: { isolation: 'committed' } }),
      path: 'kafka.isolation',
      message: /"read_committed" or "read_uncommitted"/,
    },
    {
      name: 'kafka.sasl with an unknown mechanism',
      input: withPatch({ kafka: { sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } } }),
      path: 'kafka.sasl.mechanism',
      message: /"plain", "scram-sha-256" or "scram-sha-512"/,
    },
    {
      name: 'kafka.connectionTimeoutMs zero',
      input: withPatch({ kafka: { connectionTimeoutMs: 0 } }),
      path: 'kafka.connectionTimeoutMs',
      message: /whole number of milliseconds, at least 1/,
    },
    {
      name: 'kafka key misspelt',
      input: withPatch({ kafka: { clientID: 'x' } }),
      path: 'kafka.clientID',
      message: /did you mean clientId/,
    },
    {
      name: 'fetch.maxBytes above int32',
      input: withPatch({ conf: { fetch: { maxBytes: 2 ** 31 } } }),
      path: 'conf.fetch.maxBytes',
      message: /bytes, from 1 to 2147483647/,
    },
    {
      name: 'fetch.minBytes, removed: a unit is answered as soon as the broker has any of it',
      input: withPatch({ conf: { fetch: { minBytes: 100 } } }),
      path: 'conf.fetch.minBytes',
      message: /offsets exist already.*remove it/,
    },
    {
      name: 'fetch.maxWaitMs negative',
      input: withPatch({ conf: { fetch: { maxWaitMs: -1 } } }),
      path: 'conf.fetch.maxWaitMs',
      message: /from 0 to/,
    },
    {
      name: 'unknown fetch key',
      input: withPatch({ conf: { fetch: { maxBytez: 10 } } }),
      path: 'conf.fetch.maxBytez',
      message: /did you mean maxBytes\?/,
    },
    {
      name: 'kafka-clj conf key spelling',
      input: withPatch({ conf: { 'consume-step': 10 } }),
      path: 'conf["consume-step"]',
      message: /did you mean consumeStep\?/,
    },
    {
      name: 'redis key put in conf',
      input: withPatch({ conf: { groupName: 'g' } }),
      path: 'conf.groupName',
      message: /groupName belongs in redis/,
    },
    {
      name: 'unknown conf key with nothing close',
      input: withPatch({ conf: { zookeeper: 'zk:2181' } }),
      path: 'conf.zookeeper',
      message: /unknown key: expected one of workCalculateFreq, consumeStep/,
    },
  ];
}
