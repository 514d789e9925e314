import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { KafkaSasl } from '@kf/protocol';

export type { TlsOptions };

/** A Kafka broker or a Redis node. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * An address as written in a config: `'host:port'` (IPv6 as `'[::1]:6379'`) or
 * `{ host, port }`.
 */
export type AddressInput = string | HostPort;

/** The Redis driver an adapter is built on. */
export type RedisClientName = 'ioredis' | 'node-redis';

/**
 * The `redis` section as a user writes it. Its shape picks the deployment:
 * - `host: 'h'` (and `port`) → one server;
 * - `host: ['h:p']`, one element → one server; several → Redis Cluster;
 * - `sentinelAddresses` + `masterName` → Redis Sentinel.
 */
export interface RedisConfigInput {
  /** A host name (with `port`), or a list of `'host:port'` nodes. Default `127.0.0.1`. */
  host?: string | AddressInput[];
  /** The port of a single `host` name. Default 6379. */
  port?: number;
  /** The sentinels to ask for the master, as `'host:port'`; needs `masterName`. */
  sentinelAddresses?: AddressInput[];
  /** The name the sentinels monitor the master under; needs `sentinelAddresses`. */
  masterName?: string;
  /** The sentinels' own ACL user, when they require one. */
  sentinelUsername?: string;
  /** The sentinels' own password, when they require one. */
  sentinelPassword?: string;
  /** The driver: `ioredis` (default) or `node-redis`. */
  client?: RedisClientName;
  /**
   * The consumer group: every Redis key of the group carries it as its hash tag. Needed
   * by {@link parseConfig}; `createRedis` alone connects without it.
   */
  groupName?: string;
  password?: string;
  /** The ACL user; Redis's `default` user when omitted. */
  username?: string;
  /** `true` for TLS with Node's defaults, or Node's TLS options. */
  tls?: boolean | TlsOptions;
  /**
   * How long one command may wait for its reply, a reconnection or fail-over included,
   * in ms. Default: the adapter's (10000 for one server or Sentinel; for a cluster,
   * sized from `clusterNodeTimeout` to ride out a fail-over).
   */
  timeout?: number;
  /**
   * A cluster's `cluster-node-timeout`, in ms (Redis's default 15000): the cluster
   * adapter sizes its retries from it to ride out a master's fail-over.
   */
  clusterNodeTimeout?: number;
  /** The database number; Redis Cluster has only 0. Default 0. */
  db?: number;
}

/** Settings every deployment shares, with defaults applied. */
export interface RedisCommonConfig {
  client: RedisClientName;
  groupName?: string;
  password?: string;
  username?: string;
  /** Absent when TLS is off; `{}` for `tls: true`. */
  tls?: TlsOptions;
  /** Absent for the adapter's default. */
  timeout?: number;
  db: number;
}

export interface SingleRedisConfig extends RedisCommonConfig {
  topology: 'single';
  host: string;
  port: number;
}

export interface ClusterRedisConfig extends RedisCommonConfig {
  topology: 'cluster';
  /** The seed nodes; the driver discovers the rest. */
  nodes: HostPort[];
  clusterNodeTimeout?: number;
}

export interface SentinelRedisConfig extends RedisCommonConfig {
  topology: 'sentinel';
  sentinels: HostPort[];
  masterName: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
}

/** The `redis` section, validated, with its deployment made explicit in `topology`. */
export type RedisConfig = SingleRedisConfig | ClusterRedisConfig | SentinelRedisConfig;

/** How units of one partition may run relative to each other. */
export type Ordering = 'unordered' | 'partition';

/** Kafka fetch settings of a worker. */
export interface FetchConf {
  /**
   * Byte limit of one fetch; a unit larger than this takes several fetches. A fetch asks
   * for less when the rest of its unit should take less, by the partition's bytes per
   * offset so far.
   */
  maxBytes: number;
  /**
   * The longest the broker holds a fetch that finds nothing readable yet (a new leader's
   * trailing high watermark, an open transaction under `read_committed`); a fetch with
   * anything to return is answered at once.
   */
  maxWaitMs: number;
}

/** The consumer settings (`conf`), every one defaulted: see `DEFAULT_CONSUMER_CONF`. */
export interface ConsumerConf {
  /** The organiser's tick, in ms: how often new offsets are cut into units. */
  workCalculateFreq: number;
  /**
   * The longest the organiser works from cached Kafka metadata, in ms: partitions added
   * to a topic are seen, and consumed, within this much of their creation.
   */
  metadataMaxAgeMs: number;
  /** The most offsets one work unit covers. */
  consumeStep: number;
  /** With no saved offset, start at the earliest offset instead of the latest. */
  useEarliest: boolean;
  /** When a saved offset is above the partition's latest, reset it instead of waiting. */
  resetAheadOffsets: boolean;
  /** How many units one node works on at once. */
  concurrency: number;
  ordering: Ordering;
  /** How many times a unit is tried before it goes to the error list. */
  maxAttempts: number;
  /** Backoff before the first retry of a unit, in ms; doubled on each further retry. */
  retryBackoffMs: number;
  /** The cap of that doubling backoff, in ms. */
  maxRetryBackoffMs: number;
  /** How long a node's lease lasts without renewal before its units are recovered, in ms. */
  leaseTtlMs: number;
  /** How long the leader lock lasts without renewal, in ms. */
  leaderLockTtlMs: number;
  /** The organiser stops scheduling while the work list holds this many units. */
  maxQueuedUnits: number;
  /**
   * Up to this many bytes of a unit's records travel with the unit in Redis when the
   * leader's long poll already read them, so its worker hands them to user code without
   * a fetch of its own; a larger unit, or one past what the poll read, is fetched as
   * always. 0 keeps record data out of Redis altogether.
   */
  inlineRecordsMaxBytes: number;
  /**
   * The longest one call of user code (a message with `eachMessage`, a batch with
   * `eachBatch`), or one fetch, may take; past it the attempt fails from that record
   * and the rest of the unit is retried. A fetch that finds nothing readable for this
   * long fails too.
   */
  handlerTimeoutMs: number;
  /**
   * After each organiser write (units scheduled, a dead node's units recovered), wait
   * until this many replicas acknowledged it (Redis `WAIT`); 0 does not wait.
   */
  waitReplicas: number;
  /** The longest that wait lasts, in ms; when it runs out short, the organiser ends its tick. */
  waitTimeoutMs: number;
  /**
   * Whether the leader commits each partition's completed watermark to the Kafka
   * consumer group `kafka.groupId`, so Kafka's own tools show the group's progress and lag.
   */
  commitToKafka: boolean;
  /** How often the leader commits that watermark, in ms (also on hand-over and close). */
  commitIntervalMs: number;
  fetch: FetchConf;
}

/** `conf` as a user writes it: any setting may be left out. */
export type ConsumerConfInput = Partial<Omit<ConsumerConf, 'fetch'>> & {
  fetch?: Partial<FetchConf>;
};

/**
 * The Kafka client a node reads with: `kafkajs` (the default, built into @kf/consumer)
 * or `platformatic` (@kf/kafka-platformatic on @platformatic/kafka, installed beside it).
 */
export type { KafkaSasl };

export type KafkaClientName = 'kafkajs' | 'platformatic';

/** How a node talks to Kafka (the `kafka` section), every field defaulted. */
export interface KafkaClientConf {
  /** The Kafka client kf reads with. Default `kafkajs`. */
  client: KafkaClientName;
  /** Sent with every request; brokers log and apply quotas by it. Default `kf`. */
  clientId: string;
  /** Time to open a connection to a broker, in ms. Default 1000. */
  connectionTimeoutMs: number;
  /** Time for a broker's reply beyond a fetch's own wait, in ms. Default 30000. */
  requestTimeoutMs: number;
  /** `read_committed` (default) never delivers records of aborted transactions. */
  isolation: 'read_committed' | 'read_uncommitted';
  /**
   * The Kafka consumer group kf commits its progress to (and starts from, for a
   * partition Redis has no offset for). Default: `redis.groupName`.
   */
  groupId: string;
  /** Absent when TLS is off; `{}` for `ssl: true`. */
  ssl?: TlsOptions;
  sasl?: KafkaSasl;
}

/** The `kafka` section as a user writes it. */
export type KafkaClientConfInput = Partial<Omit<KafkaClientConf, 'ssl'>> & {
  ssl?: boolean | TlsOptions;
};

/** The first argument of `createNode`, as a user writes it. */
export interface KfConfigInput {
  /** Where to reach Kafka first: `'host:port'` or `{ host, port }`. */
  bootstrapBrokers: AddressInput[];
  redis: RedisConfigInput;
  conf?: ConsumerConfInput;
  kafka?: KafkaClientConfInput;
}

/** The config after {@link parseConfig}: validated, normalised, every default applied. */
export interface KfConfig {
  bootstrapBrokers: HostPort[];
  redis: RedisConfig & { groupName: string };
  conf: ConsumerConf;
  kafka: KafkaClientConf;
}
