import type { Kafka } from 'kafkajs';
import type { PeerName } from './figures.js';
import { nodeConsumers } from './node-consumers.js';
import type { ConsumerSpec, Contender } from './protocol.js';
import type { ConsumerLauncher } from './run-consumers.js';

export interface BenchContext {
  kafka: Kafka;
  brokers: string[];
  redis: { host: string; port: number };
  /** Distinguishes this run's topics and groups from earlier ones on the same stack. */
  runId: string;
  /** The peers this run compares kf with. */
  peers: ReadonlySet<PeerName>;
  /** The broker's process, whose CPU time the bench reads from outside. */
  brokerPid?: number;
  /** Node binary for @platformatic/kafka, which needs a newer Node than the bench's. */
  nodeBinary?: string;
  /** Classpath of Kafka's jars (`<libs>/*`), for ConsumerPerformance. */
  kafkaLibs?: string;
  /** Classpath of the share-group consumer (its class, then Kafka's jars). */
  shareClasspath?: string;
  /** P2 share consumers' `max.poll.records`, when not derived from the record locks. */
  sharePollRecords?: number;
  log(line: string): void;
}

/** Launches Node consumer processes of `contender` on `topic` as `group`. */
export function nodeContender(
  ctx: BenchContext,
  contender: Contender,
  topic: string,
  group: string,
  fields: Partial<ConsumerSpec> = {},
): ConsumerLauncher {
  const spec = (i: number): ConsumerSpec => ({
    contender,
    id: `${group}-${i}`,
    brokers: ctx.brokers,
    redis: `${ctx.redis.host}:${ctx.redis.port}`,
    group,
    topic,
    concurrency: 4,
    handlerDelayMs: 0,
    ...fields,
  });
  if (contender !== 'platformatic') return nodeConsumers(spec);
  if (!ctx.nodeBinary) throw new Error('the platformatic peer needs its Node binary set up');
  return nodeConsumers(spec, ctx.nodeBinary);
}

/** A value the run set up for a peer; the peer cannot run without it. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`bench: ${what} was not set up`);
  return value;
}
