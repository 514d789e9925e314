/**
 * The Kafka access port: everything the organiser and the workers ask of Kafka, and
 * nothing more. Offsets are JavaScript numbers: exact up to 2^53, far beyond any
 * partition's life; a broker offset past that fails loudly rather than rounding.
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
  /** Soft limit of the response; the broker returns at least one whole batch. */
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
  highWatermark: number;
  /** -1 when the broker did not say (it only reports it for `read_committed`). */
  lastStableOffset: number;
  logStartOffset: number;
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
  /** Closes every connection. */
  close(): Promise<void>;
}
