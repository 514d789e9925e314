import type { GroupKeys } from '@kf/core';
import type { IRedis, Isolation, KafkaAccess, Logger } from '@kf/protocol';
import type { Attributes, BatchObservableResult, Meter } from '@opentelemetry/api';
import type { NodeStatus } from '../node/kf-node.js';
import { completedWatermarks, type PartitionProgress } from '../progress/completed-watermarks.js';
import type { Instruments } from './instruments.js';
import type { PartitionAttributes } from './partition-attributes.js';

/** What the gauges read: the node's state, and (when it leads) its group's progress. */
export interface GaugeSources {
  node: { status(): NodeStatus };
  redis: IRedis;
  keys: GroupKeys;
  kafka: KafkaAccess;
  isolation: Isolation;
  logger: Logger;
}

/**
 * Observes a node's gauges whenever the SDK collects, and only then: nothing is read
 * while nothing collects. Every node reports its own units in flight and whether it
 * leads; only the leader reads the group's work list and each partition's lag and
 * completed watermark (one reader for the group, not one per node). The callback
 * removes itself at the first collection after the node closed.
 */
export function observeNodeGauges(
  meter: Meter,
  instruments: Instruments,
  sources: GaugeSources,
  attributes: { group: Attributes; node: Attributes; partitions: PartitionAttributes },
): void {
  const observables = [
    instruments.inFlight,
    instruments.leader,
    instruments.partitionLag,
    instruments.completedOffset,
    instruments.workListLength,
  ];
  const callback = async (result: BatchObservableResult) => {
    const status = sources.node.status();
    if (status.state === 'closed') {
      // Not during this collection's walk over the callbacks: removing one there would
      // make the SDK skip the next.
      queueMicrotask(() => meter.removeBatchObservableCallback(callback, observables));
      return;
    }
    if (status.state !== 'running') return;
    result.observe(instruments.inFlight, status.inFlight, attributes.node);
    result.observe(instruments.leader, status.leader ? 1 : 0, attributes.node);
    if (status.leader) await observeGroup(result, instruments, sources, attributes);
  };
  meter.addBatchObservableCallback(callback, observables);
}

async function observeGroup(
  result: BatchObservableResult,
  instruments: Instruments,
  sources: GaugeSources,
  attributes: { group: Attributes; partitions: PartitionAttributes },
): Promise<void> {
  const { redis, keys, logger } = sources;
  let progress: PartitionProgress[];
  try {
    const topics = await redis.setMembers(keys.topics);
    const [watermarks, waiting] = await Promise.all([
      completedWatermarks(redis, keys, topics),
      redis.listLength(keys.work),
    ]);
    result.observe(instruments.workListLength, waiting, attributes.group);
    progress = watermarks;
  } catch (error) {
    logger.warn({ err: error }, 'reading the group progress from Redis for its gauges failed');
    return;
  }
  const byTopic = new Map<string, PartitionProgress[]>();
  for (const p of progress) {
    const same = byTopic.get(p.topic);
    if (same === undefined) byTopic.set(p.topic, [p]);
    else same.push(p);
  }
  await Promise.all(
    [...byTopic].map(async ([topic, partitions]) => {
      for (const p of partitions) {
        result.observe(
          instruments.completedOffset,
          p.completed,
          attributes.partitions.of(topic, p.partition),
        );
      }
      let ends: Map<number, number>;
      try {
        const offsets = await sources.kafka.offsets(topic, sources.isolation);
        ends = new Map(offsets.map((o) => [o.partition, o.latest]));
      } catch (error) {
        logger.warn({ err: error, topic }, 'reading log ends from Kafka for the lag gauge failed');
        return;
      }
      for (const p of partitions) {
        const end = ends.get(p.partition);
        if (end === undefined) continue;
        // Above the log end only after the log was truncated or recreated: nothing to read.
        result.observe(
          instruments.partitionLag,
          Math.max(0, end - p.completed),
          attributes.partitions.of(topic, p.partition),
        );
      }
    }),
  );
}
