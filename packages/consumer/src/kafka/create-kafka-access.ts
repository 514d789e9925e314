import { setTimeout as delay } from 'node:timers/promises';
import {
  checkFetchRequest,
  checkLogEndsRequest,
  type KafkaClientOptions,
  outOfRangeReply,
  silentLogger,
} from '@kf/protocol';
import { selectRecords } from '@kf/protocol/kafka-records';
import { KafkaRequestError } from '../errors/kafka-request-error.js';
import { NotLeaderError } from '../errors/not-leader-error.js';
import { UnknownTopicPartitionError } from '../errors/unknown-topic-partition-error.js';
import { RepeatLimiter } from '../logging/repeat-limiter.js';
import { errorFromCode, errorFromThrown, KafkaProtocolCode } from './error-mapping.js';
import { groupOffsets } from './group-offsets.js';
import type {
  AwaitLogEndsOptions,
  ClusterMetadata,
  FetchRequest,
  FetchResult,
  Isolation,
  KafkaAccess,
  LogEnd,
  PartitionMetadata,
  PartitionOffsets,
  PolledRecords,
  WatchedPartition,
} from './kafka-access.js';
import {
  createInternalCluster,
  decodePolled,
  type InternalCluster,
  type InternalClusterOptions,
  type KafkajsErrorShape,
  type KafkajsMetadata,
  kafkaErrorType,
  type RawLogEnds,
} from './kafkajs-internals.js';
import { kafkajsLogCreator } from './kafkajs-log.js';
import { MetadataCache } from './metadata-cache.js';
import { toOffset } from './offsets.js';

/**
 * The options of `createKafkaAccess`: those every Kafka client takes. With kafkajs,
 * `retries` are kafkajs's retries of a metadata load while a partition has no leader, and
 * the logger also gets kafkajs's own warnings and errors at debug.
 */
export type KafkaAccessOptions = KafkaClientOptions;

const RECONNECT = 'reconnect';

const ISOLATION_LEVEL: Record<Isolation, 0 | 1> = { read_uncommitted: 0, read_committed: 1 };

/** The Kafka access port on kafkajs 2.2.4; connects on first use. */
export function createKafkaAccess(options: KafkaAccessOptions): KafkaAccess {
  if (options.brokers.length === 0) throw new TypeError('createKafkaAccess: brokers is empty');
  const logger = options.logger ?? silentLogger;
  // Every refresh fails the same way while a broker is away: said once, then at a
  // bounded rate, and once more when a load succeeds again.
  const reconnects = new RepeatLimiter(logger);
  const clusterOptions = {
    brokers: options.brokers,
    clientId: options.clientId ?? 'kf',
    connectionTimeoutMs: options.connectionTimeoutMs ?? 1_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    retries: options.retries ?? 3,
    log: kafkajsLogCreator(logger),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  };
  const cluster: InternalCluster = createInternalCluster(clusterOptions);
  let closed = false;
  const ensureConnected = connectOnce(cluster);

  /** After close() a request would connect again, and nothing would close that. */
  const refuseClosed = (operation: string): void => {
    if (closed) throw new KafkaRequestError(operation, undefined, 'the Kafka access is closed');
  };
  const load = async (topics: string[]): Promise<KafkajsMetadata> => {
    refuseClosed(`load the metadata of ${topics.join(', ') || 'the cluster'}`);
    await ensureConnected();
    const loaded = await cluster.refreshMetadata(topics).catch(async (error: unknown) => {
      // A broker's answer about the topic (unknown, no leader, not authorized) is the
      // topic's own trouble: dropping every connection for it would fail every other
      // topic's fetches too.
      // Closed meanwhile (a unit's fetch still under way as its node closes): a reconnect
      // now would leave connections open that nothing closes.
      if (hasProtocolCode(error) || closed) throw error;
      // kafkajs asks a broker it holds a connection to; when that broker died, every
      // refresh fails the same way. Reconnecting starts again from the bootstrap list.
      reconnects.log(
        RECONNECT,
        'warn',
        { err: error, topics },
        'metadata refresh failed; reconnecting to the brokers to refresh again',
      );
      await cluster.disconnect();
      ensureConnected.reset();
      await ensureConnected();
      return cluster.refreshMetadata(topics);
    });
    reconnects.resolve(RECONNECT, { topics }, 'metadata loads again');
    return loaded;
  };
  const cache = new MetadataCache(load, isUnknownTopic);

  const refreshMetadata = async (topics: string[]): Promise<ClusterMetadata> => {
    try {
      return toClusterMetadata(await cache.refresh(topics), topics);
    } catch (error) {
      throw metadataError(error, topics);
    }
  };

  const metadata = async (topics: string[]): Promise<ClusterMetadata> => {
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
    if (leader < 0) {
      throw new NotLeaderError(topic, partition, 'leader-unavailable', undefined);
    }
    return leader;
  };

  /** One ListOffsets per partition leader of `topic`, for every partition. */
  const listOffsets = async (
    topic: string,
    which: 'earliest' | 'latest' | { timestamp: number },
    isolation: Isolation,
    only?: number,
  ): Promise<Map<number, string>> => {
    const { topics } = await metadata([topic]);
    const byLeader = new Map<number, PartitionMetadata[]>();
    for (const p of topics[0]?.partitions ?? []) {
      if (only !== undefined && p.partition !== only) continue;
      if (p.leader < 0)
        throw new NotLeaderError(topic, p.partition, 'leader-unavailable', undefined);
      byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p]);
    }
    const results = await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        const ids = partitions.map((p) => p.partition);
        try {
          return await cluster.listOffsets(leader, topic, ids, which, ISOLATION_LEVEL[isolation]);
        } catch (error) {
          throw errorFromThrown(unwrapRetries(error), {
            topic,
            partition: ids[0] as number,
            nodeId: leader,
            operation: `list offsets of ${topic}`,
          });
        }
      }),
    );
    return new Map(results.flatMap((found) => [...found]));
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
    // Every partition asked about is answered; one missing from either answer fails loudly.
    return [...new Set([...earliest.keys(), ...latest.keys()])]
      .map((partition) => ({
        partition,
        earliest: toOffset(earliest.get(partition) ?? 'missing', 'earliest offset'),
        latest: toOffset(latest.get(partition) ?? 'missing', 'latest offset'),
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
        const offset = found === undefined || found === '-1' ? end : found;
        return { partition, offset: toOffset(offset, 'offset by time') };
      })
      .sort((a, b) => a.partition - b.partition);
  };

  // Requests under way (fetches, an out-of-range one's ListOffsets included, metadata and
  // offset reads, group offset calls): close() waits for them, since kafkajs connects
  // again on a send.
  const underWay = new Set<Promise<unknown>>();
  const tracked = <T>(work: Promise<T>): Promise<T> => {
    underWay.add(work);
    return work.finally(() => underWay.delete(work));
  };
  const fetch = (request: FetchRequest): Promise<FetchResult> => tracked(fetchOnce(request));
  const fetchOnce = async (request: FetchRequest): Promise<FetchResult> => {
    checkFetchRequest(request);
    const { topic, partition, offset } = request;
    const operation = `fetch ${topic}/${partition} at ${offset}`;
    // A fetch asked for as its node closes (a unit's next range) would open a connection
    // that nothing closes, keeping the process alive until the broker drops it.
    refuseClosed(operation);
    const leader = await leaderOf(topic, partition);
    refuseClosed(operation);
    const target = { topic, partition, nodeId: leader, operation };
    let raw: Awaited<ReturnType<InternalCluster['fetch']>>;
    try {
      raw = await cluster.fetch(leader, {
        topic,
        partition,
        offset: String(offset),
        endOffset: request.endOffset ?? Number.POSITIVE_INFINITY,
        maxBytes: request.maxBytes,
        maxWaitMs: request.maxWaitMs,
        isolationLevel: ISOLATION_LEVEL[request.isolation],
      });
    } catch (error) {
      throw errorFromThrown(unwrapRetries(error), target);
    }
    if (raw.errorCode === KafkaProtocolCode.OffsetOutOfRange) {
      throw await outOfRange(request);
    }
    if (raw.errorCode !== 0) throw errorFromCode(raw.errorCode, target);
    return {
      ...selectRecords(raw.batches, raw.abortedTransactions, offset, request.isolation),
      highWatermark: toOffset(raw.highWatermark, 'high watermark'),
      lastStableOffset: toOffset(raw.lastStableOffset, 'last stable offset'),
      logStartOffset: toOffset(raw.logStartOffset, 'log start offset'),
    };
  };

  const readRecords: KafkaAccess['readRecords'] = async (polled, read) => {
    const batches = await decodePolled(polled.data, { from: read.offset, to: read.endOffset });
    // Not a broker's answer: the log's ends are not known from it (-1, as when unreported).
    return {
      ...selectRecords(batches, polled.abortedTransactions, read.offset, read.isolation),
      highWatermark: -1,
      lastStableOffset: -1,
      logStartOffset: -1,
    };
  };

  const outOfRange = (request: FetchRequest): Promise<Error> =>
    outOfRangeReply(request, {
      readRange: async (topic, partition) =>
        (await offsets(topic, 'read_uncommitted', partition))[0],
      logger,
    });

  const logEnds = logEndsWatch(clusterOptions, () => closed);
  const group = groupOffsets(cluster, ensureConnected, () => closed);

  return {
    metadata: (...args) => tracked(metadata(...args)),
    refreshMetadata: (...args) => tracked(refreshMetadata(...args)),
    offsets: (...args) => tracked(offsets(...args)),
    offsetsAt: (...args) => tracked(offsetsAt(...args)),
    fetch,
    readRecords,
    awaitLogEnds: logEnds.awaitLogEnds,
    commitOffsets: (groupId, offsets) => tracked(group.commitOffsets(groupId, offsets)),
    committedOffsets: (groupId, topic, partitions) =>
      tracked(group.committedOffsets(groupId, topic, partitions)),
    async close() {
      closed = true;
      ensureConnected.reset();
      await Promise.all([cluster.disconnect(), logEnds.close()]);
      // A request sent before the flag was set may have connected again meanwhile, even
      // one that ended while the first disconnect was under way: wait for what is left,
      // then disconnect once more (nothing new starts, every call is refused now). A
      // request ends within its connection and request timeouts; one still going past
      // them (kafkajs retries) is not waited for, and its connections are dropped once
      // it has ended.
      const settled = Promise.allSettled([...underWay]);
      const inTime = await settledWithin(
        settled,
        clusterOptions.connectionTimeoutMs + clusterOptions.requestTimeoutMs,
      );
      await cluster.disconnect();
      if (!inTime) {
        void settled
          .then(() => cluster.disconnect())
          .catch((error: unknown) => {
            logger.warn(
              { err: error },
              'disconnecting from Kafka after a request outlived close()',
            );
          });
      }
    },
  };
}

/** Whether `work` settled within `ms`; the timer is cleared either way. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const late = delay(ms, false, { signal: timer.signal }).catch(() => false);
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    timer.abort();
  }
}

/** `connect()` shared by concurrent callers; a failed one is tried again by the next. */
function connectOnce(cluster: InternalCluster): (() => Promise<void>) & { reset(): void } {
  let connecting: Promise<void> | undefined;
  const ensure = async (): Promise<void> => {
    connecting ??= cluster.connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    await connecting;
  };
  return Object.assign(ensure, {
    reset: () => {
      connecting = undefined;
    },
  });
}

/**
 * `awaitLogEnds` on a cluster of its own: kafkajs sends every Fetch to a broker over one
 * connection and the broker answers a connection's requests in order, so a long poll on
 * the units' connection would hold their fetches back for its whole wait. Connects on
 * first use; `close()` waits for the polls under way: they end within their wait, or
 * after the request timeout on a broker that does not answer.
 */
function logEndsWatch(
  options: InternalClusterOptions,
  isClosed: () => boolean,
): Pick<Required<KafkaAccess>, 'awaitLogEnds' | 'close'> {
  let watch: InternalCluster | undefined;
  let ensureConnected: ReturnType<typeof connectOnce> | undefined;
  // After a failure the broker table is loaded again: a broker back at a new address, or
  // one that joined, is only known from a fresh answer.
  let reload = true;
  const underWay = new Set<Promise<unknown>>();
  const connected = async (): Promise<InternalCluster> => {
    if (watch === undefined || ensureConnected === undefined) {
      watch = createInternalCluster({ ...options, clientId: `${options.clientId}-log-ends` });
      ensureConnected = connectOnce(watch);
    }
    await ensureConnected();
    return watch;
  };

  const poll = async (
    leader: number,
    partitions: WatchedPartition[],
    { maxWaitMs, isolation, recordsMaxBytes = 0 }: AwaitLogEndsOptions,
  ): Promise<LogEnd[]> => {
    const operation = `await the log ends of broker ${leader}`;
    const open = () => {
      // Checked after every wait: a poll that went on after close() would reconnect.
      if (isClosed())
        throw new KafkaRequestError(operation, undefined, 'the Kafka access is closed');
    };
    open();
    checkLogEndsRequest(operation, partitions, { maxWaitMs, recordsMaxBytes });
    let raw: RawLogEnds[];
    try {
      const client = await connected();
      open();
      if (reload) {
        await client.refreshMetadata([...new Set(partitions.map((p) => p.topic))]);
        reload = false;
        open();
      }
      raw = await client.fetchLogEnds(leader, {
        partitions: partitions.map(({ topic, partition, from }) => ({
          topic,
          partition,
          offset: String(from),
        })),
        recordsMaxBytes,
        maxWaitMs,
        isolationLevel: ISOLATION_LEVEL[isolation],
      });
    } catch (error) {
      reload = true;
      if (error instanceof KafkaRequestError) throw error;
      const first = partitions[0];
      throw errorFromThrown(unwrapRetries(error), {
        topic: first?.topic ?? '',
        partition: first?.partition ?? -1,
        nodeId: leader,
        operation,
      });
    }
    return raw.map((end, i): LogEnd => {
      const { topic, partition } = end;
      if (end.errorCode !== 0) return { topic, partition, error: kafkaErrorType(end.errorCode) };
      const committed = isolation === 'read_committed';
      const records = polledRecords(end, (partitions[i] as WatchedPartition).from);
      return {
        topic,
        partition,
        earliest: toOffset(end.logStartOffset, 'log start offset'),
        latest: committed
          ? toOffset(end.lastStableOffset, 'last stable offset')
          : toOffset(end.highWatermark, 'high watermark'),
        ...(records === undefined ? {} : { records }),
      };
    });
  };

  return {
    awaitLogEnds(leader, partitions, pollOptions) {
      const polling = poll(leader, partitions, pollOptions);
      underWay.add(polling);
      void polling.then(
        () => underWay.delete(polling),
        () => underWay.delete(polling),
      );
      return polling;
    },
    async close() {
      await Promise.allSettled([...underWay]);
      ensureConnected?.reset();
      await watch?.disconnect();
    },
  };
}

function toClusterMetadata(raw: KafkajsMetadata, topics: string[]): ClusterMetadata {
  return {
    brokers: raw.brokers
      .map(({ nodeId, host, port }) => ({ nodeId, host, port }))
      .sort((a, b) => a.nodeId - b.nodeId),
    topics: topics.map((topic) => {
      const found = raw.topicMetadata.find((m) => m.topic === topic);
      if (!found) throw new UnknownTopicPartitionError(topic, undefined);
      return {
        topic,
        partitions: found.partitionMetadata
          .map((p) => ({
            partition: p.partitionId,
            leader: p.leader,
            replicas: [...p.replicas],
            isr: [...p.isr],
          }))
          .sort((a, b) => a.partition - b.partition),
      };
    }),
  };
}

function hasProtocolCode(error: unknown): boolean {
  return typeof (unwrapRetries(error) as KafkajsErrorShape).code === 'number';
}

function isUnknownTopic(error: unknown): boolean {
  return (
    (unwrapRetries(error) as KafkajsErrorShape).code === KafkaProtocolCode.UnknownTopicOrPartition
  );
}

function metadataError(error: unknown, topics: string[]): Error {
  const shape = unwrapRetries(error) as KafkajsErrorShape;
  if (shape.code === KafkaProtocolCode.UnknownTopicOrPartition && topics.length > 0) {
    return new UnknownTopicPartitionError(topics.join(', '), undefined, { cause: error });
  }
  return errorFromThrown(shape, {
    topic: topics.join(', '),
    partition: -1,
    nodeId: undefined,
    operation: `metadata of ${topics.join(', ')}`,
  });
}

/** kafkajs's retrier wraps the last failure; the failure itself says what went wrong. */
function unwrapRetries(error: unknown): unknown {
  const shape = error as { name?: string; originalError?: unknown } | null;
  if (shape?.name === 'KafkaJSNumberOfRetriesExceeded' && shape.originalError !== undefined) {
    return shape.originalError;
  }
  return error;
}

/** A poll's undecoded batches of one partition, read from `from`; none when it held none. */
function polledRecords(end: RawLogEnds, from: number): PolledRecords | undefined {
  if (end.data === undefined || end.dataEnd === undefined) return undefined;
  return {
    from,
    to: end.dataEnd,
    data: end.data,
    abortedTransactions: end.abortedTransactions,
  };
}
