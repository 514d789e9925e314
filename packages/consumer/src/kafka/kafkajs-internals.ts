/**
 * Where kf touches kafkajs's internals, with kafkajs-fetch-receive.ts (how a
 * connection hands a Fetch response over), kafkajs-request-queue.ts (a request
 * queue's idle checks) and kafkajs-open-connections.ts (what a close disconnects).
 *
 * kafkajs's public API reads partitions only through a consumer group, and kf fetches
 * exact offset ranges with no group, so this file drives kafkajs's `Cluster` (metadata,
 * the broker pool) and its `Broker` requests directly, and decodes Fetch responses
 * itself (fetch-response.ts) so that batch boundaries survive (the stock decoder
 * flattens batches, losing the end offset of a batch left empty by compaction, which
 * would stall a caller).
 *
 * None of this has a semver promise, so kafkajs is pinned to exactly 2.2.4 (peer and
 * dev dependency of @kf/consumer), and the contract test (test/kafka-port.test.ts) runs
 * every path below against a real broker. Moving to another kafkajs version means
 * re-reading node_modules/kafkajs/src for the modules imported here and re-running
 * that test.
 */
import type { ConnectionOptions } from 'node:tls';
import type { KafkaSasl } from '@kf/protocol';
import {
  type DecodedBatch,
  decodeRecordBatches,
  type OffsetRange,
} from '@kf/protocol/kafka-records';
import { Kafka, type logCreator, logLevel } from 'kafkajs';
// @ts-expect-error kafkajs ships no types for its internals; the shapes used are declared below.
import ClusterClass from 'kafkajs/src/cluster/index.js';
// @ts-expect-error as above
import socketFactory from 'kafkajs/src/network/socketFactory.js';
// @ts-expect-error as above
import { errorCodes } from 'kafkajs/src/protocol/error.js';
// @ts-expect-error as above
import { lookupCodecByAttributes } from 'kafkajs/src/protocol/message/compression/index.js';
// @ts-expect-error as above
import { requests } from 'kafkajs/src/protocol/requests/index.js';
import { decodeFetchV11, type FetchV11Response, type RawPartitionFetch } from './fetch-response.js';
import { type ReceivingConnection, receiveFetchesUnjoined } from './kafkajs-fetch-receive.js';
import { OpenConnections } from './kafkajs-open-connections.js';
import { type QueuedConnection, stopIdleQueueChecks } from './kafkajs-request-queue.js';

// ---- The shapes kf relies on (kafkajs 2.2.4) ----

interface ProtocolRequest {
  request: { apiVersion: number };
  response: { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
  requestTimeout: number;
}

interface KafkajsConnection {
  isConnected(): boolean;
  connect(): Promise<unknown>;
  disconnect(): Promise<unknown>;
}

interface KafkajsConnectionPool {
  send(request: ProtocolRequest): Promise<unknown>;
  pool: KafkajsConnection[];
  getConnection(index?: number): Promise<KafkajsConnection>;
}

interface KafkajsBroker {
  lookupRequest(apiKey: number, definition: unknown): (args: object) => ProtocolRequest;
  connectionPool: KafkajsConnectionPool;
  disconnect(): Promise<void>;
  listOffsets(args: {
    replicaId: number;
    isolationLevel: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; timestamp: number }> }>;
  }): Promise<{
    responses: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }>;
  /** Throws kafkajs's protocol error for the first partition the broker refused. */
  offsetCommit(args: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: GroupOffsetsByTopic<{ partition: number; offset: string }>;
  }): Promise<unknown>;
  offsetFetch(args: {
    groupId: string;
    topics: GroupOffsetsByTopic<{ partition: number }>;
  }): Promise<{
    responses: GroupOffsetsByTopic<{ partition: number; offset: string }>;
  }>;
}

type GroupOffsetsByTopic<P> = Array<{ topic: string; partitions: P[] }>;

/** A partition's offset as the wire carries it (a decimal string, -1 for none). */
export interface WireOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface KafkajsMetadata {
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  topicMetadata: Array<{
    topic: string;
    topicErrorCode: number;
    partitionMetadata: Array<{
      partitionId: number;
      partitionErrorCode: number;
      leader: number;
      replicas: number[];
      isr: number[];
    }>;
  }>;
}

interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Asks any broker for the group's coordinator, retrying while it is being elected. */
  findGroupCoordinator(args: { groupId: string }): Promise<KafkajsBroker>;
  brokerPool: {
    createBroker(options: object): KafkajsBroker;
    connectionPoolBuilder: { build(options?: object): Promise<KafkajsConnectionPool> };
    findBroker(args: { nodeId: number }): Promise<KafkajsBroker>;
    metadata: KafkajsMetadata | null;
    refreshMetadata(topics: string[]): Promise<void>;
  };
}

const Cluster = ClusterClass as new (options: object) => KafkajsCluster;
const codecFor = lookupCodecByAttributes as (
  attributes: number,
) => { decompress(buffer: Buffer): Promise<Buffer> } | null;

/** Decompresses a batch's records with the codec kafkajs has registered for it. */
async function decompress(attributes: number, compressed: Buffer): Promise<Buffer> {
  const codec = codecFor(attributes);
  if (codec === null) throw new Error(`no codec registered for batch attributes ${attributes}`);
  return codec.decompress(compressed);
}
const kafkaErrors = errorCodes as Array<{ type: string; code: number }>;

const FETCH_API_KEY = 1;
/** The Fetch version decoded below; every broker since Kafka 2.3 serves it, 4.x included. */
const FETCH_VERSION = 11;
const EARLIEST_TIMESTAMP = -2;
const LATEST_TIMESTAMP = -1;
/** The replica id of an ordinary client (not a follower broker). */
const CONSUMER_REPLICA_ID = -1;
/** The most bytes of records one long poll of the log ends brings back. */
const POLL_MAX_BYTES = 1_048_576;

// ---- What this file hands to the rest of kf ----

export type RawBatch = DecodedBatch;
export type { RawPartitionFetch };

export interface RawFetchRequest {
  topic: string;
  partition: number;
  offset: string;
  /** Records at or above it are not decoded. */
  endOffset: number;
  maxBytes: number;
  maxWaitMs: number;
  /** 0 read_uncommitted, 1 read_committed (Kafka's wire values). */
  isolationLevel: 0 | 1;
}

export interface RawLogEndsRequest {
  partitions: Array<{ topic: string; partition: number; offset: string }>;
  /** Bytes of record batches wanted per partition, kept undecoded; 0: none. */
  recordsMaxBytes: number;
  maxWaitMs: number;
  /** 0 read_uncommitted, 1 read_committed (Kafka's wire values). */
  isolationLevel: 0 | 1;
}

export interface RawLogEnds {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset: string;
  logStartOffset: string;
  abortedTransactions: Array<{ producerId: string; firstOffset: string }>;
  /** The whole batches read, undecoded (with `recordsMaxBytes`). */
  data?: Buffer;
  /** With `data` holding a batch: the offset after its last batch's last record. */
  dataEnd?: number;
}

export interface InternalClusterOptions {
  brokers: string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  log: logCreator;
  ssl?: ConnectionOptions;
  sasl?: KafkaSasl;
}

/** A thrown error from kafkajs, as far as kf reads it. */
export interface KafkajsErrorShape {
  name?: string;
  type?: string;
  code?: number;
  retriable?: boolean;
  message?: string;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Loads metadata for exactly `topics` (not every topic kafkajs was ever asked about). */
  refreshMetadata(topics: string[]): Promise<KafkajsMetadata>;
  fetch(leader: number, request: RawFetchRequest): Promise<RawPartitionFetch>;
  /**
   * Long-polls `leader` for data at or above each partition's `offset`: the answer comes
   * as soon as any partition has some (or an error), else after `maxWaitMs`. Only the
   * log ends are read.
   */
  fetchLogEnds(leader: number, request: RawLogEndsRequest): Promise<RawLogEnds[]>;
  /**
   * ListOffsets for some partitions of one topic on their leader: `offset` per partition.
   * A timestamp asks for the first offset whose record time is at or after it (-1: none).
   */
  listOffsets(
    leader: number,
    topic: string,
    partitions: number[],
    which: 'earliest' | 'latest' | { timestamp: number },
    isolationLevel: 0 | 1,
  ): Promise<Map<number, string>>;
  /**
   * OffsetCommit to `groupId`'s coordinator as a client outside the group (generation
   * -1, no member id): the broker keeps the offsets for a group with no members.
   */
  commitOffsets(groupId: string, offsets: WireOffset[]): Promise<void>;
  /** OffsetFetch from `groupId`'s coordinator: -1 where the group has no offset. */
  committedOffsets(
    groupId: string,
    partitions: Array<{ topic: string; partition: number }>,
  ): Promise<WireOffset[]>;
}

/** Kafka's name for a numeric error code, for messages (`NOT_LEADER_FOR_PARTITION`). */
export function kafkaErrorType(code: number): string {
  return kafkaErrors.find((e) => e.code === code)?.type ?? `UNKNOWN_ERROR_CODE_${code}`;
}

export function createInternalCluster(options: InternalClusterOptions): InternalCluster {
  // The public client is built only for its logger factory, whose `namespace()` the
  // internal Cluster needs; it opens no connection.
  const rootLogger = new Kafka({
    brokers: options.brokers,
    clientId: options.clientId,
    logLevel: logLevel.WARN,
    logCreator: options.log,
  }).logger();
  const cluster = new Cluster({
    logger: rootLogger,
    socketFactory: socketFactory(),
    brokers: options.brokers,
    clientId: options.clientId,
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    enforceRequestTimeout: true,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    // Metadata is reloaded when kf asks, not on kafkajs's timer: the organiser every
    // conf.metadataMaxAgeMs, any caller after a NotLeaderError, and a fetch that names a
    // partition the cache does not know.
    metadataMaxAge: Number.MAX_SAFE_INTEGER,
    allowAutoTopicCreation: false,
    retry: { retries: options.retries, initialRetryTime: 100, maxRetryTime: 1_000 },
  });

  /**
   * One Fetch to `leader` for several partitions; every partition asked about must be in
   * the answer, in the order asked.
   */
  // Every connection that may hold a socket, from the moment it connects until it is
  // disconnected. kafkajs forgets its brokers when it disconnects, or replaces its seed
  // broker after a failed connect, but a request under way still holds one and connects
  // it again (a metadata load retried on a partition with no leader, a coordinator
  // lookup, a fetch whose broker was still connecting): every disconnect() ends each of
  // them too, so nothing is left open after a close. Held strongly while open (a socket
  // does not keep its broker reachable), let go once disconnected.
  const open = new OpenConnections();
  // Every pool kafkajs builds, a broker's rebuilt one included (after an illegal SASL state),
  // gets kf's adjustments before its first request and is watched.
  const builder = cluster.brokerPool.connectionPoolBuilder;
  const build = builder.build.bind(builder);
  builder.build = async (options) => {
    const pool = await build(options);
    adjustConnections(pool);
    open.track(pool);
    return pool;
  };
  // Every broker the pool makes (the seed broker that loads metadata included) gets
  // kf's adjustments before its first request.
  const createBroker = cluster.brokerPool.createBroker;
  cluster.brokerPool.createBroker = (brokerOptions) => {
    const broker = createBroker(brokerOptions);
    adjustConnections(broker.connectionPool);
    open.track(broker.connectionPool);
    return broker;
  };
  const brokerFor = async (nodeId: number): Promise<KafkajsBroker> => {
    const broker = await cluster.brokerPool.findBroker({ nodeId });
    connectOnceEach(broker.connectionPool);
    adjustConnections(broker.connectionPool);
    open.track(broker.connectionPool);
    return broker;
  };
  const fetchFrom = async (
    leader: number,
    request: {
      partitions: Array<{ topic: string; partition: number; offset: string; maxBytes: number }>;
      /** The offsets to decode, or `raw`: keep the batches undecoded in `data`. */
      range: OffsetRange | 'raw';
      maxBytes: number;
      maxWaitMs: number;
      isolationLevel: 0 | 1;
    },
  ): Promise<Array<RawPartitionFetch & { topic: string; partition: number }>> => {
    const broker = await brokerFor(leader);
    const protocolRequest = broker.lookupRequest(
      FETCH_API_KEY,
      requests.Fetch,
    )({
      replicaId: CONSUMER_REPLICA_ID,
      isolationLevel: request.isolationLevel,
      maxWaitTime: request.maxWaitMs,
      // Answer as soon as anything is there: a unit's offsets exist already, so waiting
      // for more bytes would only hold the last of them back for the whole wait.
      minBytes: 1,
      maxBytes: request.maxBytes,
      topics: byTopic(request.partitions, ({ partition, offset, maxBytes }) => ({
        partition,
        fetchOffset: offset,
        maxBytes,
      })),
    });
    if (protocolRequest.request.apiVersion !== FETCH_VERSION) {
      throw new Error(
        `the broker serves Fetch up to v${protocolRequest.request.apiVersion}; kf needs v${FETCH_VERSION} (Kafka 2.3 or newer)`,
      );
    }
    // Our decoder keeps batches; `parse` returns the data so partition errors reach kf's
    // own mapping instead of kafkajs's exceptions.
    protocolRequest.response = {
      decode: (body) => decodeFetchV11(body, request.range, decompress),
      parse: async (data) => data,
    };
    let decoded: FetchV11Response;
    try {
      decoded = (await broker.connectionPool.send(protocolRequest)) as FetchV11Response;
    } catch (error) {
      // What kafkajs's Broker does for its own requests: drop a closed connection so the
      // next request reconnects.
      if ((error as KafkajsErrorShape).name === 'KafkaJSConnectionClosedError') {
        await broker.disconnect();
      }
      throw error;
    }
    if (decoded.errorCode !== 0) {
      throw Object.assign(new Error(`Fetch failed: ${kafkaErrorType(decoded.errorCode)}`), {
        code: decoded.errorCode,
        type: kafkaErrorType(decoded.errorCode),
      });
    }
    return request.partitions.map(({ topic, partition }) => {
      const found = decoded.responses
        .find((r) => r.topicName === topic)
        ?.partitions.find((p) => p.partition === partition);
      if (!found) throw new Error(`the Fetch response holds no ${topic}/${partition}`);
      return { ...found, topic };
    });
  };

  return {
    connect: () => cluster.connect(),
    async disconnect() {
      await cluster.disconnect();
      await open.disconnectAll();
    },
    async refreshMetadata(topics) {
      // The broker pool directly, not the cluster: the cluster reloads every topic it was
      // ever asked about, and one of them deleted fails the reload of all the others.
      await cluster.brokerPool.refreshMetadata(topics);
      const metadata = cluster.brokerPool.metadata;
      if (!metadata) throw new Error('kafkajs reported no metadata after a refresh');
      // Only kf refreshes (brokers are found through the pool, which never refreshes by
      // itself); should anything else replace the answer meanwhile, say so rather than
      // let a live topic read as unknown.
      const missing = topics.filter((t) => !metadata.topicMetadata.some((m) => m.topic === t));
      if (missing.length > 0) {
        throw new Error(`the metadata answer read back lacks ${missing.join(', ')}; ask again`);
      }
      return metadata;
    },
    async fetch(leader, request) {
      const [found] = await fetchFrom(leader, {
        partitions: [
          {
            topic: request.topic,
            partition: request.partition,
            offset: request.offset,
            maxBytes: request.maxBytes,
          },
        ],
        range: { from: Number(request.offset), to: request.endOffset },
        maxBytes: request.maxBytes,
        maxWaitMs: request.maxWaitMs,
        isolationLevel: request.isolationLevel,
      });
      return found as RawPartitionFetch;
    },
    async fetchLogEnds(leader, request) {
      // Without records wanted, one byte per partition: the broker still returns one whole
      // batch for progress, and nothing in it is decoded; only the log ends are read.
      const perPartition = Math.max(1, request.recordsMaxBytes);
      const answers = await fetchFrom(leader, {
        partitions: request.partitions.map((p) => ({ ...p, maxBytes: perPartition })),
        range: request.recordsMaxBytes > 0 ? 'raw' : { from: 0, to: 0 },
        // A poll of many partitions brings back at most about 1 MiB of records: the rest
        // are fetched by their units, as they were before polls brought any.
        maxBytes: Math.min(
          perPartition * request.partitions.length,
          Math.max(perPartition, POLL_MAX_BYTES),
        ),
        maxWaitMs: request.maxWaitMs,
        isolationLevel: request.isolationLevel,
      });
      return answers.map(({ batches: _batches, ...ends }) => ends);
    },
    async listOffsets(leader, topic, partitions, which, isolationLevel) {
      const broker = await brokerFor(leader);
      const timestamp =
        which === 'earliest'
          ? EARLIEST_TIMESTAMP
          : which === 'latest'
            ? LATEST_TIMESTAMP
            : which.timestamp;
      const { responses } = await broker.listOffsets({
        replicaId: CONSUMER_REPLICA_ID,
        isolationLevel,
        topics: [{ topic, partitions: partitions.map((partition) => ({ partition, timestamp })) }],
      });
      const offsets = new Map<number, string>();
      for (const response of responses) {
        for (const p of response.partitions) offsets.set(p.partition, p.offset);
      }
      return offsets;
    },
    async commitOffsets(groupId, offsets) {
      const coordinator = await cluster.findGroupCoordinator({ groupId });
      await coordinator.offsetCommit({
        groupId,
        groupGenerationId: NO_GENERATION,
        memberId: '',
        topics: byTopic(offsets, ({ partition, offset }) => ({ partition, offset })),
      });
    },
    async committedOffsets(groupId, partitions) {
      const coordinator = await cluster.findGroupCoordinator({ groupId });
      const { responses } = await coordinator.offsetFetch({
        groupId,
        topics: byTopic(partitions, ({ partition }) => ({ partition })),
      });
      return responses.flatMap(({ topic, partitions: found }) =>
        found.map(({ partition, offset }) => ({ topic, partition, offset })),
      );
    },
  };
}

/** Kafka's "not a member of any generation": a commit from outside the group. */
const NO_GENERATION = -1;

function byTopic<T extends { topic: string }, P>(
  items: T[],
  toPartition: (item: T) => P,
): GroupOffsetsByTopic<P> {
  const topics = new Map<string, P[]>();
  for (const item of items) {
    topics.set(item.topic, [...(topics.get(item.topic) ?? []), toPartition(item)]);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Polled batches decoded for `range`, with the codecs a fetch's answer is decoded with. */
export function decodePolled(data: Buffer, range: OffsetRange): Promise<RawBatch[]> {
  return decodeRecordBatches(data, range, decompress);
}

/** kf's adjustments to kafkajs's connections (see the files they come from); once each. */
function adjustConnections(pool: KafkajsConnectionPool): void {
  for (const connection of pool.pool) {
    receiveFetchesUnjoined(connection as unknown as ReceivingConnection);
    stopIdleQueueChecks(connection as unknown as QueuedConnection);
  }
}

/**
 * kafkajs connects a pooled connection on a send when it is not connected, and two
 * sends at once (a node's units fetching one broker as it starts) each open a socket:
 * the connection keeps the last, and the others stay open, unused, until the broker
 * drops them as idle (10 minutes), holding the process alive after a close. Sends that
 * find a connection connecting wait for that one.
 */
const connectingOnce = new WeakSet<KafkajsConnectionPool>();

function connectOnceEach(pool: KafkajsConnectionPool): void {
  // Once a pool: kafkajs reuses a broker across disconnects and may give it a new pool.
  if (connectingOnce.has(pool)) return;
  connectingOnce.add(pool);
  const connecting = new Map<number, Promise<KafkajsConnection>>();
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (index = 0) => {
    if (pool.pool[index]?.isConnected()) return getConnection(index);
    let pending = connecting.get(index);
    if (pending === undefined) {
      pending = getConnection(index).finally(() => connecting.delete(index));
      connecting.set(index, pending);
    }
    return pending;
  };
}
