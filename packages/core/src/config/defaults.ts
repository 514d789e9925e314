import type { ConsumerConf } from './types.js';

/**
 * The consumer's defaults, chosen for low latency at a modest Redis load. Where one
 * differs from kafka-clj's, the comment says why; the README has the same table.
 */
export const DEFAULT_CONSUMER_CONF: Readonly<ConsumerConf> = Object.freeze({
  // kafka-clj: 10 s, so a new message waited up to 10 s. A tick costs one ListOffsets
  // per partition leader and one script; 100 ms keeps the added latency unnoticeable.
  workCalculateFreq: 100,
  // kafkajs and Kafka's clients: 5 minutes. Partitions added to a topic are invisible
  // until the metadata is reloaded, and their messages wait that long; 10 s bounds the
  // wait at one Metadata request per 10 s from the leader only (followers reload when a
  // unit names a partition they do not know, or a leader moved).
  metadataMaxAgeMs: 10_000,
  // kafka-clj: 100000. A unit is the grain of parallelism and of redelivery after a
  // crash; 10000 keeps both fine while a unit is still a few fetches, not thousands.
  consumeStep: 10_000,
  // As kafka-clj: a new group starts at the end, not by replaying the whole topic.
  useEarliest: false,
  // kafka-clj: false, which stalls a partition whose log was truncated or recreated
  // until its end passes the saved offset, silently skipping what arrives meanwhile.
  // The organiser resets only on the same answer on two ticks, so a new leader's
  // briefly trailing high watermark costs a tick, not a range run twice.
  resetAheadOffsets: true,
  // kafka-clj: 2 consumer threads. Fetches are I/O; 4 hides a fetch round trip behind
  // others while keeping memory at 8 × fetch.maxBytes (a fetch ahead per unit).
  concurrency: 4,
  ordering: 'unordered',
  // kafka-clj retried forever. 10 failed calls of user code with doubling backoff span
  // about 20 s: short enough to surface a poison unit. Kafka being unavailable (a leader
  // election, a broker down) is not an attempt: it is retried for as long as it lasts.
  maxAttempts: 10,
  retryBackoffMs: 100,
  maxRetryBackoffMs: 5_000,
  // A dead node's units wait this long before recovery; a node stalled longer than
  // this (GC, a blocking handler) loses its units, which then may run twice.
  leaseTtlMs: 5_000,
  // Scheduling pauses this long after the leader dies, plus up to two ticks
  // (`workCalculateFreq`); a leader that stalls longer is deposed, which the fencing
  // epoch makes safe.
  leaderLockTtlMs: 2_000,
  // Kafka is the buffer; Redis holds only what workers can take soon. 1000 units keep
  // every worker busy between two ticks without piling up stale ranges.
  maxQueuedUnits: 1_000,
  // Not in kafka-clj. New messages reach user code a Kafka round trip sooner: the leader's
  // long poll has already read them. 16 KiB a unit bounds what the work list holds to
  // maxQueuedUnits × 16 KiB (with base64, about 21 MiB) while covering a live stream's
  // small units; a backlog's units are larger and fetched.
  inlineRecordsMaxBytes: 16_384,
  // Per call of user code, not per unit: a slow handler that keeps making progress never
  // meets it. Kafka's share groups lock a record for 30 s by default too.
  handlerTimeoutMs: 30_000,
  // Off: a fail-over that loses an organiser write costs duplicates, never messages
  // (docs/guarantees.md); waiting costs a replica round trip per scheduling write.
  waitReplicas: 0,
  // Long enough for a replica on the same network; the organiser never stalls for longer.
  waitTimeoutMs: 500,
  // On: Kafka's tools (kafka-consumer-groups, lag exporters, UIs) then see the group.
  commitToKafka: true,
  // Kafka's clients auto-commit every 5 s; a commit is one small request from the leader.
  commitIntervalMs: 5_000,
  fetch: Object.freeze({
    // kafka-clj: 10 MB. 1 MiB is Kafka's own per-partition default: the first records
    // reach user code sooner, and a larger record still arrives whole (Kafka returns
    // at least one batch).
    maxBytes: 1_048_576,
    // kafka-clj: 1000 ms. A unit only covers offsets that exist, so the broker rarely
    // has to wait; when it does (an aborted transaction's gap), 100 ms bounds it.
    maxWaitMs: 100,
  }),
});

/** Defaults of the `redis` section. */
export const DEFAULT_REDIS = Object.freeze({
  // Not `localhost`: Node 20 may resolve it to ::1 while Redis listens on 127.0.0.1.
  host: '127.0.0.1',
  port: 6379,
  client: 'ioredis' as const,
  db: 0,
});

/** Defaults of the `kafka` section. */
export const DEFAULT_KAFKA = Object.freeze({
  client: 'kafkajs' as const,
  clientId: 'kf',
  // A broker on the network answers a connect in milliseconds; a second is plenty and
  // fails a wrong address fast instead of hanging a start.
  connectionTimeoutMs: 1_000,
  // kafkajs's own default.
  requestTimeoutMs: 30_000,
  // As a kafkajs consumer: aborted transactions are never delivered.
  isolation: 'read_committed' as const,
});
