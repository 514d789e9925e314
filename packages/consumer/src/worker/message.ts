import type { KafkaRecord, RecordHeader } from '../kafka/kafka-access.js';
import type { WorkUnit } from '../work-unit/work-unit.js';

/** One Kafka record as user code receives it. */
export interface KfMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  /** `null` for a tombstone; an empty Buffer for a zero-length value. Both are delivered. */
  value: Buffer | null;
  /** In the order the producer wrote them; a key may repeat. */
  headers: RecordHeader[];
  /** Milliseconds since the epoch (create time or log-append time, as the topic says). */
  timestamp: number;
}

/**
 * The unit a message or batch belongs to, for logs and idempotency keys. `attempts`
 * counts failed attempts before this one: above 0 means a redelivery.
 */
export type UnitInfo = Omit<WorkUnit, 'ts'>;

export interface EachMessagePayload {
  message: KfMessage;
  unit: UnitInfo;
  /** Aborted when the unit's time (`unitTimeoutMs`) is up: stop and throw. */
  signal: AbortSignal;
}

export interface KfBatch {
  topic: string;
  partition: number;
  /** In offset order, all inside the unit's range. */
  messages: KfMessage[];
}

export interface EachBatchPayload {
  batch: KfBatch;
  unit: UnitInfo;
  signal: AbortSignal;
}

/** What `node.run` takes: one message at a time, or each fetched batch at once. */
export type RunOptions =
  | { eachMessage: (payload: EachMessagePayload) => Promise<void>; eachBatch?: undefined }
  | { eachBatch: (payload: EachBatchPayload) => Promise<void>; eachMessage?: undefined };

export function toMessage(topic: string, partition: number, record: KafkaRecord): KfMessage {
  return {
    topic,
    partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
  };
}

export function unitInfo(unit: WorkUnit): UnitInfo {
  const { id, topic, partition, offset, len, attempts } = unit;
  return { id, topic, partition, offset, len, attempts };
}
