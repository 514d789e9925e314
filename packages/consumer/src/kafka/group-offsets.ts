import { type KafkaAccess, KafkaRequestError, type PartitionOffset } from '@kf/protocol';
import pRetry from 'p-retry';
import type { InternalCluster, KafkajsErrorShape } from './kafkajs-internals.js';
import { toOffset } from './offsets.js';

type GroupOffsets = Pick<KafkaAccess, 'commitOffsets' | 'committedOffsets'>;

/**
 * A group's coordinator moves with its partition of `__consumer_offsets`, and is loading
 * right after a broker starts or takes it over: those answers are retried, each after
 * finding the coordinator afresh, for at most about 3 s. Nothing else is (a timeout
 * already took `requestTimeoutMs`; the caller decides what to do next).
 */
const COORDINATOR_MOVING = new Set([
  14, // COORDINATOR_LOAD_IN_PROGRESS
  15, // COORDINATOR_NOT_AVAILABLE
  16, // NOT_COORDINATOR
]);
const COORDINATOR_RETRIES = {
  retries: 6,
  minTimeout: 100,
  maxTimeout: 1_000,
  factor: 2,
  maxRetryTime: 3_000,
};

/** The port's consumer-group offset calls, on the cluster once `ready` resolved. */
export function groupOffsets(
  cluster: InternalCluster,
  ready: () => Promise<void>,
  closed: () => boolean,
): GroupOffsets {
  const refuseClosed = (operation: string) => {
    if (closed()) throw new KafkaRequestError(operation, undefined, 'the Kafka access is closed');
  };
  // A try after close would open a connection again through the seed brokers: each try
  // looks first, and a refusal is not retried.
  const withCoordinatorRetries = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
    pRetry(
      () => {
        refuseClosed(operation);
        return call();
      },
      {
        ...COORDINATOR_RETRIES,
        shouldRetry: ({ error }) =>
          !closed() && COORDINATOR_MOVING.has((error as KafkajsErrorShape).code ?? -1),
      },
    );
  return {
    async commitOffsets(groupId, offsets) {
      if (offsets.length === 0) return;
      const operation = `commit offsets to consumer group ${groupId}`;
      refuseClosed(operation);
      await ready();
      const wire = offsets.map(({ topic, partition, offset }) => ({
        topic,
        partition,
        offset: String(offset),
      }));
      await withCoordinatorRetries(operation, () => cluster.commitOffsets(groupId, wire)).catch(
        (error: unknown) => {
          throw groupError(operation, error);
        },
      );
    },
    async committedOffsets(groupId, topic, partitions) {
      if (partitions.length === 0) return [];
      const operation = `read the offsets of consumer group ${groupId}`;
      refuseClosed(operation);
      await ready();
      const wanted = partitions.map((partition) => ({ topic, partition }));
      const found = await withCoordinatorRetries(operation, () =>
        cluster.committedOffsets(groupId, wanted),
      ).catch((error: unknown) => {
        throw groupError(operation, error);
      });
      // -1: the group never committed this partition (or its offset expired).
      return found
        .filter((p) => p.offset !== '-1')
        .map(
          (p): PartitionOffset => ({
            topic: p.topic,
            partition: p.partition,
            offset: toOffset(p.offset, 'committed offset'),
          }),
        );
    },
  };
}

function groupError(operation: string, error: unknown): KafkaRequestError {
  if (error instanceof KafkaRequestError) return error; // refused as closed: said already
  const shape = (error ?? {}) as KafkajsErrorShape;
  const detail = shape.type ?? (error instanceof Error ? error.message : String(error));
  return new KafkaRequestError(operation, shape.code, detail, { cause: error });
}
