/**
 * The Kafka access port: everything the organiser and the workers ask of Kafka, and
 * nothing more. `@kf/consumer` implements it on kafkajs (`createKafkaAccess`); another
 * Kafka client implements the same interface and proves it with
 * `kafkaAccessConformance` from `@kf/protocol/kafka-testkit`. Offsets are JavaScript
 * numbers: exact up to 2^53, far beyond any partition's life; a broker offset past that
 * fails loudly rather than rounding.
 */

/** `read_committed` skips aborted transactions and stops at the last stable offset. */
export type Isolation = 'read_uncommitted' | 'read_committed';

export interface PartitionMetadata {
  partition: number;
  /** Node id of the leader; -1 while the partition has none (an election is running). */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  topic: string;
  /** Sorted by partition number. */
  partitions: PartitionMetadata[];
}

export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
}

export interface ClusterMetadata {
  brokers: BrokerAddress[];
  topics: TopicMetadata[];
}

export interface PartitionOffsets {
  partition: number;
  /** The first offset the partition still holds (log start offset). */
  earliest: number;
  /**
   * The offset the next record will get (high watermark); under `read_committed`, the
   * last stable offset: nothing at or above it is readable yet.
   */
  latest: number;
}

/** An offset of one partition, as committed to or read from a Kafka consumer group. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface FetchRequest {
  topic: string;
  partition: number;
  /** First offset wanted: no record below it is returned. */
  offset: number;
  /**
   * First offset not wanted: no record at or above it is returned, nor decoded (a range
   * inside a large batch costs only its own records). Default: no limit.
   */
  endOffset?: number;
  /**
   * Soft limit of the response; the broker returns at least one whole batch. A range
   * larger than it, or than what came back, takes another fetch from `nextOffset`.
   */
  maxBytes: number;
  /** How long the broker may wait for data when none is there yet. */
  maxWaitMs: number;
  isolation: Isolation;
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  offset: number;
  key: Buffer | null;
  /** `null` for a tombstone; an empty Buffer for a zero-length value. Both are delivered. */
  value: Buffer | null;
  headers: RecordHeader[];
  /** Milliseconds since the epoch (create time or log-append time, as the topic says). */
  timestamp: number;
}

export interface FetchResult {
  /** Data records at or above the requested offset, in offset order; never control records. */
  records: KafkaRecord[];
  /**
   * Where the next fetch starts: past every batch this response held in full, including
   * batches with nothing to deliver (compacted away, aborted, transaction markers), so
   * gaps never stall a caller. Equal to the requested offset when nothing was there.
   */
  nextOffset: number;
  /**
   * The whole record batches the answer held: how many, their bytes on the wire, and the
   * offsets they span (from the first one's base offset up to `nextOffset`); all 0 when
   * it held none. What a caller sizes its next fetch of the partition by; a port that
   * does not report it (one written before it existed) leaves fetches at `fetch.maxBytes`.
   */
  batches?: { count: number; bytes: number; offsets: number };
  highWatermark: number;
  /** -1 when the broker did not say (it only reports it for `read_committed`). */
  lastStableOffset: number;
  logStartOffset: number;
}

/** A partition to watch: wake when its log holds data at or above `from`. */
export interface WatchedPartition {
  topic: string;
  partition: number;
  from: number;
}

/** A transaction Kafka listed as aborted beside a Fetch answer's batches. */
export interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

/**
 * Record batches of one partition exactly as a Fetch from `from` answered them: every
 * batch holding records at or above `from`, back to back in Kafka's record batch format
 * (magic 2), up to `to`. What `readRecords` turns into records, as `fetch` would have.
 */
export interface PolledRecords {
  /** The offset the answer was read from: no record at or above it up to `to` is missing. */
  from: number;
  /** Past the last whole batch held. */
  to: number;
  data: Buffer;
  /** The aborted transactions listed with them (under `read_committed` only). */
  abortedTransactions: AbortedTransaction[];
}

/** A watched partition's log start and end, or the error Kafka answered for it. */
export type LogEnd =
  | {
      topic: string;
      partition: number;
      earliest: number;
      /** The high watermark; under `read_committed`, the last stable offset. */
      latest: number;
      /** The batches the poll read, when it was asked for them (`recordsMaxBytes`). */
      records?: PolledRecords;
      error?: undefined;
    }
  | {
      topic: string;
      partition: number;
      /** Kafka's name of the error (`NOT_LEADER_OR_FOLLOWER`, `OFFSET_OUT_OF_RANGE`, …). */
      error: string;
    };

export interface AwaitLogEndsOptions {
  /** How long the broker may hold the request when no partition has new data. */
  maxWaitMs: number;
  isolation: Isolation;
  /**
   * Up to this many bytes of each partition's new record batches come back with its log
   * ends (`LogEnd.records`); 0 or absent: none, only the log ends.
   */
  recordsMaxBytes?: number;
}

/** What `readRecords` reads from polled batches: a fetch's range, without the wire. */
export interface PolledRead {
  topic: string;
  partition: number;
  /** First offset wanted; the batches must have been read from it or below. */
  offset: number;
  /** First offset not wanted. */
  endOffset: number;
  isolation: Isolation;
}

export interface KafkaAccess {
  /**
   * Partitions and leaders of `topics`, from the cached metadata (loaded on first use).
   * The cache is not reloaded by age: partitions added since it was loaded are missing
   * from it until `refreshMetadata` (the organiser calls it every `conf.metadataMaxAgeMs`).
   */
  metadata(topics: string[]): Promise<ClusterMetadata>;
  /**
   * Reloads metadata from the cluster; call it after a `NotLeaderError`, or to see
   * partitions added since the last load.
   */
  refreshMetadata(topics: string[]): Promise<ClusterMetadata>;
  /**
   * Earliest and latest offset of every partition of `topic`, sorted by partition.
   * Throws `OffsetNotAvailableError` while a partition's new leader catches up its high
   * watermark (ask again shortly), besides the errors `fetch` throws.
   */
  offsets(topic: string, isolation?: Isolation): Promise<PartitionOffsets[]>;
  /**
   * One fetch of one partition from the partition's leader; a partition the cached
   * metadata does not know is looked up afresh once before it is called unknown. Throws
   * `OffsetOutOfRangeError`, `UnknownTopicPartitionError`, `NotLeaderError`, or
   * `KafkaRequestError`.
   */
  fetch(request: FetchRequest): Promise<FetchResult>;
  /**
   * For every partition of `topic`, the first offset whose record timestamp is at or
   * after `timestampMs` (Kafka's ListOffsets by time), or the log end when no record is.
   * A `timestampMs` that is not an integer >= 0 rejects with `KafkaRequestError` (its
   * message says `timestampMs must be an integer`) before Kafka is asked.
   */
  offsetsAt(
    topic: string,
    timestampMs: number,
    isolation?: Isolation,
  ): Promise<Array<{ partition: number; offset: number }>>;
  /**
   * Commits offsets to the Kafka consumer group `groupId` from outside the group
   * (generation -1, no member), as Kafka's admin tools do: the broker keeps them for a
   * group with no members, and its tools report them. A group with live members refuses
   * (`UNKNOWN_MEMBER_ID`). Throws `KafkaRequestError`.
   */
  commitOffsets(groupId: string, offsets: PartitionOffset[]): Promise<void>;
  /**
   * The offsets `groupId` has committed for `partitions` of `topic`; a partition with
   * none is left out. Throws `KafkaRequestError`.
   */
  committedOffsets(
    groupId: string,
    topic: string,
    partitions: number[],
  ): Promise<PartitionOffset[]>;
  /**
   * Waits on broker `leader` until any of `partitions` (all led by it) holds data at or
   * above its `from`, or `maxWaitMs` passes, and answers every partition's log ends: a
   * long poll, on connections of its own so it never delays `fetch`. Optional: the
   * organiser uses it to schedule new data at once instead of on its next tick.
   */
  awaitLogEnds?(
    leader: number,
    partitions: WatchedPartition[],
    options: AwaitLogEndsOptions,
  ): Promise<LogEnd[]>;
  /**
   * The records of `read` in batches a long poll returned (`LogEnd.records`), as `fetch`
   * would have answered them from Kafka: the same selection (control records, aborted
   * transactions, the range). Optional, with `recordsMaxBytes`: without it, units are
   * always fetched. Throws when the data is not a well-formed record batch set.
   */
  readRecords?(
    data: Pick<PolledRecords, 'data' | 'abortedTransactions'>,
    read: PolledRead,
  ): Promise<FetchResult>;
  /** Closes every connection. */
  close(): Promise<void>;
}
