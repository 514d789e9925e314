import { setTimeout as delay } from 'node:timers/promises';
import { type KafkaAccess, KafkaRequestError, type PartitionOffset } from '@kf/protocol';
import {
  type Connection,
  FindCoordinatorKeyTypes,
  findCoordinatorV2,
  offsetCommitV7,
  offsetFetchV5,
} from '@platformatic/kafka';
import { KafkaProtocolCode, kafkaErrorType, protocolCode } from './error-mapping.js';
import { toOffset } from './offsets.js';

type GroupOffsets = Pick<KafkaAccess, 'commitOffsets' | 'committedOffsets'>;

/**
 * A group's coordinator moves with its partition of `__consumer_offsets`, and is loading
 * right after a broker starts or takes it over: those answers are retried, each after
 * finding the coordinator afresh, for at most about 3 s (as @kf/consumer's kafkajs port
 * does). Nothing else is: the caller decides what to do next.
 */
const COORDINATOR_MOVING = new Set<number>([
  KafkaProtocolCode.CoordinatorLoadInProgress,
  KafkaProtocolCode.CoordinatorNotAvailable,
  KafkaProtocolCode.NotCoordinator,
]);
const RETRIES = 6;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 1_000;
const MAX_RETRY_TIME_MS = 3_000;

/** Kafka's "not a member of any generation": a commit from outside the group. */
const NO_GENERATION = -1;
const NO_LEADER_EPOCH = -1;

export interface GroupContext {
  /** A connection to any broker, to ask where a group's coordinator is. */
  anyBroker(): Promise<Connection>;
  /** A connection to the broker at `host:port`. */
  broker(address: { host: string; port: number }): Promise<Connection>;
  closed(): boolean;
  /** A copy of a thrown error fit to carry on (secrets masked). */
  safe(error: unknown): Error;
}

/** The port's consumer-group offset calls: OffsetCommit v7 and OffsetFetch v5. */
export function groupOffsets(context: GroupContext): GroupOffsets {
  const refuseClosed = (operation: string) => {
    if (context.closed()) {
      throw new KafkaRequestError(operation, undefined, 'the Kafka access is closed');
    }
  };
  const coordinator = async (groupId: string): Promise<Connection> => {
    const any = await context.anyBroker();
    const { coordinators } = await findCoordinatorV2.api.async(any, FindCoordinatorKeyTypes.GROUP, [
      groupId,
    ]);
    const found = coordinators[0];
    if (found === undefined) throw new Error(`no coordinator named for group ${groupId}`);
    return context.broker({ host: found.host, port: found.port });
  };
  const withCoordinatorRetries = async <T>(
    groupId: string,
    operation: string,
    call: (connection: Connection) => Promise<T>,
  ): Promise<T> => {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      refuseClosed(operation);
      try {
        return await call(await coordinator(groupId));
      } catch (error) {
        const code = protocolCode(error);
        const wait = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
        const retry =
          code !== undefined &&
          COORDINATOR_MOVING.has(code) &&
          attempt < RETRIES &&
          Date.now() - started + wait <= MAX_RETRY_TIME_MS &&
          !context.closed();
        if (!retry) throw groupError(operation, error, context.safe(error));
        await delay(wait);
      }
    }
  };

  return {
    async commitOffsets(groupId, offsets) {
      if (offsets.length === 0) return;
      const operation = `commit offsets to consumer group ${groupId}`;
      const topics = byTopic(offsets, ({ partition, offset }) => ({
        partitionIndex: partition,
        committedOffset: BigInt(offset),
        committedLeaderEpoch: NO_LEADER_EPOCH,
        committedMetadata: null,
      }));
      await withCoordinatorRetries(groupId, operation, (connection) =>
        offsetCommitV7.api.async(connection, groupId, NO_GENERATION, '', null, topics),
      );
    },
    async committedOffsets(groupId, topic, partitions) {
      if (partitions.length === 0) return [];
      const operation = `read the offsets of consumer group ${groupId}`;
      const answer = await withCoordinatorRetries(groupId, operation, (connection) =>
        offsetFetchV5.api.async(
          connection,
          [{ groupId, topics: [{ name: topic, partitionIndexes: partitions }] }],
          false,
        ),
      );
      // -1: the group never committed this partition (or its offset expired).
      return answer.topics.flatMap(({ name, partitions: found }) =>
        found
          .filter((p) => p.committedOffset !== -1n)
          .map(
            (p): PartitionOffset => ({
              topic: name,
              partition: p.partitionIndex,
              offset: toOffset(p.committedOffset, 'committed offset'),
            }),
          ),
      );
    },
  };
}

function groupError(operation: string, error: unknown, cause: Error): KafkaRequestError {
  if (error instanceof KafkaRequestError) return error;
  const code = protocolCode(error);
  const detail = code === undefined ? cause.message : kafkaErrorType(code);
  return new KafkaRequestError(operation, code, detail, { cause });
}

function byTopic<T extends { topic: string }, P>(
  items: T[],
  toPartition: (item: T) => P,
): Array<{ name: string; partitions: P[] }> {
  const topics = new Map<string, P[]>();
  for (const item of items) {
    topics.set(item.topic, [...(topics.get(item.topic) ?? []), toPartition(item)]);
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}
