/**
 * What the suite asks of the caller's Kafka tooling. The port under test only reads, so
 * every topic, record and consumer group the cases read is written through this
 * fixture, with any client the caller likes (kf's own run uses kafkajs).
 */

/** A producer-side compression codec; `none` writes uncompressed batches. */
export type ProducerCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** One record to produce. Strings are written as UTF-8. */
export interface ProducedRecord {
  /** Absent or `null`: a record without a key. */
  key?: string | Buffer | null;
  /** `null`: a tombstone; an empty Buffer: a zero-length value. Both must be written as such. */
  value: string | Buffer | null;
  /**
   * Headers in this order; a key may repeat, its values given one after the other
   * (`tag: a`, `tag: b`), which every client can write.
   */
  headers?: Array<{ key: string; value: string }>;
  /** The record's create time in milliseconds since the epoch; absent: the producer's clock. */
  timestamp?: number;
}

export interface TopicSpec {
  topic: string;
  /** Default 1. */
  partitions?: number;
  replicationFactor: number;
  /** Topic-level configs, such as `cleanup.policy` or `compression.type`. */
  configs?: Record<string, string>;
}

/** A transactional producer: one transactional id, so one producer id for all its transactions. */
export interface TransactionalProducer {
  /**
   * Writes `records` to one partition inside one transaction, then commits or aborts it;
   * resolves when the commit or abort returned (the broker may write the transaction's
   * marker a moment later: the suite waits for it through the port).
   */
  transaction(
    topic: string,
    partition: number,
    records: ProducedRecord[],
    outcome: 'commit' | 'abort',
  ): Promise<void>;
  close(): Promise<void>;
}

/** A live member of a Kafka consumer group, subscribed to a topic. */
export interface GroupMember {
  /** Leaves the group and disconnects. */
  leave(): Promise<void>;
}

/**
 * The caller's side of the suite, on the cluster the implementation under test reads.
 * The suite names every topic and group it uses with a prefix of its own, so it runs
 * beside other tests on a shared cluster.
 */
export interface KafkaFixture {
  /** Node ids of the cluster's brokers. */
  nodeIds: readonly number[];
  /** Creates a topic; resolves once every partition has a leader. */
  createTopic(spec: TopicSpec): Promise<void>;
  /**
   * Produces `records` to one partition of `topic` as ONE record batch (one produce
   * request, all of them to that partition), compressed by the producer with `codec`
   * (default `none`), with acks from all in-sync replicas. The cases count on the batch
   * boundaries: ranges inside one batch and across several.
   */
  produce(
    topic: string,
    partition: number,
    records: ProducedRecord[],
    options?: { codec?: ProducerCodec },
  ): Promise<void>;
  /** A transactional producer with `transactionalId`, connected. */
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  /** Joins `groupId` as a consumer of `topic`; resolves once the member has joined the group. */
  joinGroup(groupId: string, topic: string): Promise<GroupMember>;
  /**
   * Sets dynamic broker configs on broker `nodeId` (Kafka's IncrementalAlterConfigs or
   * AlterConfigs). The compaction case sets `log.cleaner.backoff.ms` so that the cleaner
   * looks for work every 200 ms instead of every 15 s.
   */
  alterBrokerConfigs(nodeId: number, configs: Record<string, string>): Promise<void>;
}

/**
 * The fixture of the failover case: a cluster of three brokers with
 * `min.insync.replicas=2`, and a way to kill one.
 */
export interface FailoverFixture extends KafkaFixture {
  /** Kills broker `nodeId` at once (SIGKILL, no shutdown); resolves once its process has exited. */
  killBroker(nodeId: number): Promise<void>;
}
