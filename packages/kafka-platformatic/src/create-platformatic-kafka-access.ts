import { setTimeout as delay } from 'node:timers/promises';
import {
  type ClusterMetadata,
  checkFetchRequest,
  type FetchRequest,
  type FetchResult,
  type Isolation,
  type KafkaAccess,
  type KafkaClientOptions,
  KafkaRequestError,
  NotLeaderError,
  outOfRangeReply,
  type PartitionMetadata,
  type PartitionOffsets,
  redactedError,
  redactingLogger,
  silentLogger,
  UnknownTopicPartitionError,
} from '@kf/protocol';
import {
  type Connection,
  ListOffsetTimestamps,
  listOffsetsV4,
  metadataV8,
} from '@platformatic/kafka';
import { BrokerConnections, type ConnectionSettings } from './broker-connections.js';
import { errorFromCode, errorFromThrown, KafkaProtocolCode, type Target } from './error-mapping.js';
import { ISOLATION_LEVEL, sendFetch } from './fetch-request.js';
import type { FetchV11Response } from './fetch-response.js';
import { groupOffsets } from './group-offsets.js';
import { LogEndPolls } from './log-end-polls.js';
import { type LoadedMetadata, MetadataCache } from './metadata-cache.js';
import { toOffset } from './offsets.js';
import { readRecordSet } from './record-set.js';

export type { KafkaSasl } from '@kf/protocol';

/**
 * The options of `createPlatformaticKafkaAccess`: those every Kafka client takes.
 * `retries` are further tries of a metadata load that could not reach any broker, 100 ms
 * apart doubling to 1 s; a fetch's `maxWaitMs` counts within `requestTimeoutMs`
 * (@platformatic/kafka times every request of a connection alike).
 */
export type PlatformaticKafkaAccessOptions = KafkaClientOptions;

/** The replica id of an ordinary client (not a follower broker). */
const CONSUMER_REPLICA_ID = -1;
const NO_LEADER_EPOCH = -1;
const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 1_000;

/**
 * The Kafka access port on @platformatic/kafka's connections and per-request APIs
 * (Metadata v8, ListOffsets v4, Fetch v11, FindCoordinator v2, OffsetCommit v7,
 * OffsetFetch v5); connects on first use. The same contract as `createKafkaAccess` of
 * @kf/consumer, the optional `awaitLogEnds` and `readRecords` included: long polls run
 * on connections of their own (log-end-polls.ts).
 */
export function createPlatformaticKafkaAccess(
  options: PlatformaticKafkaAccessOptions,
): KafkaAccess {
  if (options.brokers.length === 0) {
    throw new TypeError('createPlatformaticKafkaAccess: brokers is empty');
  }
  const secrets = options.sasl === undefined ? [] : [options.sasl.password];
  const logger = redactingLogger(options.logger ?? silentLogger, secrets);
  /** What a thrown error carries on as its cause: a copy with secrets masked. */
  const safe = (error: unknown): Error => redactedError(error, secrets);
  const retries = options.retries ?? 3;
  const settings: ConnectionSettings = {
    clientId: options.clientId ?? 'kf',
    brokers: options.brokers,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 1_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  };
  const connections = new BrokerConnections(settings);
  let closed = false;

  const refuseClosed = (operation: string): void => {
    if (closed) throw new KafkaRequestError(operation, undefined, 'the Kafka access is closed');
  };

  const loadOnce = async (topics: string[]): Promise<LoadedMetadata> => {
    let answer: metadataV8.MetadataResponse;
    try {
      const connection = await connections.any(cache.brokers);
      answer = await metadataV8.api.async(connection, topics, false, false, false);
    } catch (error) {
      // The parser throws on any topic's or partition's error code, with the answer
      // attached: a partition without a leader is an answer (leader -1), not a failure.
      const answered = (error as { response?: metadataV8.MetadataResponse }).response;
      if (answered?.topics === undefined) throw error;
      answer = answered;
    }
    for (const topic of answer.topics) {
      if (topic.errorCode === KafkaProtocolCode.UnknownTopicOrPartition) {
        throw new UnknownTopicPartitionError(topic.name, undefined);
      }
      if (topic.errorCode !== 0) {
        throw errorFromCode(topic.errorCode, {
          topic: topic.name,
          partition: -1,
          nodeId: undefined,
          operation: `metadata of ${topic.name}`,
        });
      }
    }
    const missing = topics.find((t) => !answer.topics.some((m) => m.name === t));
    if (missing !== undefined) throw new UnknownTopicPartitionError(missing, undefined);
    return {
      brokers: answer.brokers
        .map(({ nodeId, host, port }) => ({ nodeId, host, port }))
        .sort((a, b) => a.nodeId - b.nodeId),
      topics: answer.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            replicas: [...p.replicaNodes],
            isr: [...p.isrNodes],
          }))
          .sort((a, b) => a.partition - b.partition),
      })),
    };
  };

  const load = async (topics: string[]): Promise<LoadedMetadata> => {
    const operation = `load the metadata of ${topics.join(', ') || 'the cluster'}`;
    for (let attempt = 0; ; attempt++) {
      refuseClosed(operation);
      try {
        return await loadOnce(topics);
      } catch (error) {
        const mapped = metadataError(error, topics, safe);
        const unreachable = mapped instanceof NotLeaderError && mapped.reason !== 'not-leader';
        if (!unreachable || attempt >= retries || closed) {
          // Said at debug, as kafkajs's own lines are: the caller gets the error itself.
          logger.debug({ err: error, topics }, `metadata load failed: ${mapped.message}`);
          throw mapped;
        }
        const wait = Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** attempt);
        logger.warn(
          { err: error, topics, attempt: attempt + 1, retryInMs: wait },
          'metadata load failed; trying again',
        );
        await delay(wait);
      }
    }
  };
  const cache = new MetadataCache(load, (error) => error instanceof UnknownTopicPartitionError);

  const refreshMetadata = async (topics: string[]): Promise<ClusterMetadata> =>
    toClusterMetadata(await cache.refresh(topics), topics);

  const metadata = async (topics: string[]): Promise<ClusterMetadata> => {
    refuseClosed(`metadata of ${topics.join(', ')}`);
    const cached = cache.cached(topics);
    return cached === undefined ? refreshMetadata(topics) : toClusterMetadata(cached, topics);
  };

  const leaderOf = async (topic: string, partition: number): Promise<number> => {
    // A partition added to the topic since the metadata was loaded is missing from the
    // cache, not from the cluster: reload once before calling it unknown.
    let leader = cache.leader(topic, partition);
    if (leader === undefined) {
      await refreshMetadata([topic]);
      leader = cache.leader(topic, partition);
    }
    if (leader === undefined) throw new UnknownTopicPartitionError(topic, partition);
    if (leader < 0) throw new NotLeaderError(topic, partition, 'leader-unavailable', undefined);
    return leader;
  };

  const connectionTo = (nodeId: number, target: Target): Promise<Connection> => {
    const broker = cache.broker(nodeId);
    if (broker === undefined) {
      // The metadata names a leader it lists no address for: it will, once reloaded.
      throw new NotLeaderError(target.topic, target.partition, 'broker-unreachable', nodeId);
    }
    return connections.to(broker);
  };

  /** One ListOffsets per partition leader of `topic`, for every partition. */
  const listOffsets = async (
    topic: string,
    which: 'earliest' | 'latest' | { timestamp: number },
    isolation: Isolation,
    only?: number,
  ): Promise<Map<number, bigint>> => {
    const { topics } = await metadata([topic]);
    const byLeader = new Map<number, PartitionMetadata[]>();
    for (const p of topics[0]?.partitions ?? []) {
      if (only !== undefined && p.partition !== only) continue;
      if (p.leader < 0) {
        throw new NotLeaderError(topic, p.partition, 'leader-unavailable', undefined);
      }
      byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p]);
    }
    const timestamp =
      which === 'earliest'
        ? ListOffsetTimestamps.EARLIEST
        : which === 'latest'
          ? ListOffsetTimestamps.LATEST
          : BigInt(which.timestamp);
    const results = await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        const target: Target = {
          topic,
          partition: (partitions[0] as PartitionMetadata).partition,
          nodeId: leader,
          operation: `list offsets of ${topic}`,
        };
        let answer: listOffsetsV4.ListOffsetsResponse;
        try {
          refuseClosed(target.operation);
          const connection = await connectionTo(leader, target);
          answer = await listOffsetsV4.api.async(
            connection,
            CONSUMER_REPLICA_ID,
            ISOLATION_LEVEL[isolation],
            [
              {
                name: topic,
                partitions: partitions.map((p) => ({
                  partitionIndex: p.partition,
                  currentLeaderEpoch: NO_LEADER_EPOCH,
                  timestamp,
                })),
              },
            ],
          );
        } catch (error) {
          // A partition's error code: name that partition, as the broker did.
          const answered = (error as { response?: listOffsetsV4.ListOffsetsResponse }).response;
          const failed = answered?.topics
            ?.flatMap((t) => t.partitions)
            .find((p) => p.errorCode !== 0);
          if (failed !== undefined) {
            throw errorFromCode(
              failed.errorCode,
              { ...target, partition: failed.partitionIndex },
              safe(error),
            );
          }
          throw errorFromThrown(error, target, safe(error));
        }
        return answer.topics.flatMap((t) =>
          t.partitions.map((p) => [p.partitionIndex, p.offset] as const),
        );
      }),
    );
    return new Map(results.flat());
  };

  /** Every partition's offsets, or only partition `only`'s (asked of its leader alone). */
  const offsets = async (
    topic: string,
    isolation: Isolation = 'read_uncommitted',
    only?: number,
  ): Promise<PartitionOffsets[]> => {
    const [earliest, latest] = await Promise.all([
      listOffsets(topic, 'earliest', isolation, only),
      listOffsets(topic, 'latest', isolation, only),
    ]);
    return [...new Set([...earliest.keys(), ...latest.keys()])]
      .map((partition) => ({
        partition,
        earliest: toOffset(required(earliest.get(partition), 'earliest offset'), 'earliest offset'),
        latest: toOffset(required(latest.get(partition), 'latest offset'), 'latest offset'),
      }))
      .sort((a, b) => a.partition - b.partition);
  };

  const offsetsAt = async (
    topic: string,
    timestampMs: number,
    isolation: Isolation = 'read_uncommitted',
  ): Promise<Array<{ partition: number; offset: number }>> => {
    if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
      throw new KafkaRequestError(
        `list offsets of ${topic} by time`,
        undefined,
        `timestampMs must be an integer >= 0, got ${timestampMs}`,
      );
    }
    const [atTime, latest] = await Promise.all([
      listOffsets(topic, { timestamp: timestampMs }, isolation),
      listOffsets(topic, 'latest', isolation),
    ]);
    return [...latest]
      .map(([partition, end]) => {
        const found = atTime.get(partition);
        // -1: no record at or after the time; reading from there means the log end.
        const offset = found === undefined || found === -1n ? end : found;
        return { partition, offset: toOffset(offset, 'offset by time') };
      })
      .sort((a, b) => a.partition - b.partition);
  };

  const fetch = async (request: FetchRequest): Promise<FetchResult> => {
    checkFetchRequest(request);
    const { topic, partition, offset } = request;
    const operation = `fetch ${topic}/${partition} at ${offset}`;
    refuseClosed(operation);
    const leader = await leaderOf(topic, partition);
    refuseClosed(operation);
    const target: Target = { topic, partition, nodeId: leader, operation };
    let answer: FetchV11Response;
    try {
      const connection = await connectionTo(leader, target);
      answer = await sendFetch(connection, {
        partitions: [{ topic, partition, offset, maxBytes: request.maxBytes }],
        maxWaitMs: request.maxWaitMs,
        maxBytes: request.maxBytes,
        isolation: request.isolation,
      });
    } catch (error) {
      throw errorFromThrown(error, target, safe(error));
    }
    if (answer.errorCode !== 0) throw errorFromCode(answer.errorCode, target);
    const found = answer.responses
      .find((t) => t.topic === topic)
      ?.partitions.find((p) => p.partition === partition);
    if (found === undefined) {
      throw new KafkaRequestError(operation, undefined, 'the Fetch answer holds no such partition');
    }
    if (found.errorCode === KafkaProtocolCode.OffsetOutOfRange) throw await outOfRange(request);
    if (found.errorCode !== 0) throw errorFromCode(found.errorCode, target);
    return {
      ...(await readRecordSet(found.records, found.abortedTransactions, request, operation, safe)),
      highWatermark: toOffset(found.highWatermark, 'high watermark'),
      lastStableOffset: toOffset(found.lastStableOffset, 'last stable offset'),
      logStartOffset: toOffset(found.logStartOffset, 'log start offset'),
    };
  };

  const readRecords: KafkaAccess['readRecords'] = async (polled, read) => ({
    ...(await readRecordSet(
      polled.data,
      polled.abortedTransactions,
      read,
      `read ${read.topic}/${read.partition} at ${read.offset} from polled batches`,
      safe,
    )),
    // Not a broker's answer: the log's ends are not known from it (-1, as when unreported).
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
  });

  const outOfRange = (request: FetchRequest): Promise<Error> =>
    outOfRangeReply(request, {
      readRange: async (topic, partition) =>
        (await offsets(topic, 'read_uncommitted', partition))[0],
      logger,
      cause: safe,
    });

  const polls = new LogEndPolls({
    settings,
    broker: (nodeId) => cache.broker(nodeId),
    closed: () => closed,
    safe,
  });

  return {
    metadata,
    refreshMetadata,
    offsets,
    offsetsAt,
    fetch,
    awaitLogEnds: (leader, partitions, pollOptions) =>
      polls.awaitLogEnds(leader, partitions, pollOptions),
    readRecords,
    ...groupOffsets({
      anyBroker: () => connections.any(cache.brokers),
      broker: (address) => connections.to(address),
      closed: () => closed,
      safe,
    }),
    async close() {
      closed = true;
      // The pool fails the requests still under way and refuses new ones: nothing opens
      // a connection after this.
      await Promise.all([connections.close(), polls.close()]);
    },
  };
}

function toClusterMetadata(loaded: LoadedMetadata, topics: string[]): ClusterMetadata {
  return {
    brokers: loaded.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
    topics: topics.map((topic) => {
      const found = loaded.topics.find((t) => t.topic === topic);
      if (!found) throw new UnknownTopicPartitionError(topic, undefined);
      return {
        topic,
        partitions: found.partitions.map((p) => ({
          ...p,
          replicas: [...p.replicas],
          isr: [...p.isr],
        })),
      };
    }),
  };
}

function metadataError(error: unknown, topics: string[], safe: (e: unknown) => Error): Error {
  return errorFromThrown(
    error,
    {
      topic: topics.join(', '),
      partition: -1,
      nodeId: undefined,
      operation: `metadata of ${topics.join(', ')}`,
    },
    safe(error),
  );
}

function required(value: bigint | undefined, what: string): bigint {
  // Every partition asked about is answered; one missing from either answer fails loudly.
  if (value === undefined)
    throw new KafkaRequestError('list offsets', undefined, `${what} missing`);
  return value;
}
