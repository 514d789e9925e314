import type { Kafka } from 'kafkajs';
import type { PeerName } from './figures.js';
import { nodeConsumers } from './node-consumers.js';
import type { ConsumerSpec, Contender, KafkaClient } from './protocol.js';
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
  /**
   * Node binary for the processes that run @platformatic/kafka (its consumer group, or kf
   * reading with it), which needs a newer Node than the bench's.
   */
  nodeBinary?: string;
  /** Classpath of Kafka's jars (`<libs>/*`), for ConsumerPerformance. */
  kafkaLibs?: string;
  /** Classpath of the share-group consumer (its class, then Kafka's jars). */
  shareClasspath?: string;
  /** P2 share consumers' `max.poll.records`, when not derived from the record locks. */
  sharePollRecords?: number;
  log(line: string): void;
}

/** Whether a consumer process runs @platformatic/kafka: Node ≥ 22.22, `ctx.nodeBinary`. */
function onPlatformatic(spec: Pick<ConsumerSpec, 'contender' | 'kafkaClient'>): boolean {
  return spec.contender === 'platformatic' || spec.kafkaClient === 'platformatic';
}

/**
 * Launches Node consumer processes of `contender` on `topic` as `group`; those that run
 * @platformatic/kafka on `ctx.nodeBinary`.
 */
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
  if (!onPlatformatic(spec(0))) return nodeConsumers(spec);
  if (!ctx.nodeBinary) throw new Error('@platformatic/kafka needs its Node binary set up');
  return nodeConsumers(spec, ctx.nodeBinary);
}

/** The peers whose consumers are Node processes of the bench's. */
export type NodePeer = Extract<PeerName, 'kafkajs' | 'platformatic' | 'kf-platformatic'>;

/** What a Node peer's processes run, and what it is in the log. */
export const NODE_PEERS: Record<
  NodePeer,
  { contender: Contender; kafkaClient?: KafkaClient; what: string }
> = {
  kafkajs: { contender: 'kafkajs', what: 'kafkajs consumer group' },
  platformatic: { contender: 'platformatic', what: '@platformatic/kafka consumer group' },
  'kf-platformatic': {
    contender: 'kf',
    kafkaClient: 'platformatic',
    what: 'kf on @platformatic/kafka',
  },
};

/** The Node peers among `peers`, in the order of {@link NODE_PEERS}. */
export function nodePeers(peers: ReadonlySet<PeerName>): NodePeer[] {
  return (Object.keys(NODE_PEERS) as NodePeer[]).filter((peer) => peers.has(peer));
}

/** Whether any of `peers` runs @platformatic/kafka, so the run needs `ctx.nodeBinary`. */
export function needsNodeBinary(peers: ReadonlySet<PeerName>): boolean {
  return nodePeers(peers).some((peer) => onPlatformatic(NODE_PEERS[peer]));
}

/** Launches Node consumer processes of a Node peer, as `nodeContender` does. */
export function nodePeer(
  ctx: BenchContext,
  peer: NodePeer,
  topic: string,
  group: string,
  fields: Partial<ConsumerSpec> = {},
): ConsumerLauncher {
  const { contender, kafkaClient } = NODE_PEERS[peer];
  return nodeContender(ctx, contender, topic, group, { ...fields, kafkaClient });
}

/** A value the run set up for a peer; the peer cannot run without it. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`bench: ${what} was not set up`);
  return value;
}
