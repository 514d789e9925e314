import type { KafkaRecord, RecordHeader } from '@kf/protocol';
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
  /**
   * True when this message may have been delivered before, to this node or another:
   * its unit was retried after user code had been handed part of it (a throw, a
   * timeout), recovered from a node whose lease expired, queued again as an orphan, or
   * requeued from the error list; or a closing node gave up waiting on user code in it.
   * Use it to skip an idempotency check only where it is false — it is a hint, not a
   * proof: it is per unit (every message of such a unit is flagged, also ones never
   * handed out), and two redeliveries cannot be flagged, see `UnitInfo.redelivered`.
   */
  redelivered: boolean;
}

/**
 * The unit a message or batch belongs to, for logs and idempotency keys. `id` is unique
 * per scheduling: a range handed back or queued again gets a new one, so key
 * idempotency on `topic`, `partition` and the message's `offset`, never on `id`.
 */
export interface UnitInfo {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  len: number;
  /**
   * Failed attempts before this one that stopped at this unit's first record; an
   * attempt that got further before failing hands the rest back with 1. Not a
   * redelivery count (a unit recovered from a dead node keeps its count): see
   * `redelivered`.
   */
  attempts: number;
  /**
   * True when part of this unit may have reached user code before: a retry after user
   * code was handed some of it, a unit recovered from a node whose lease expired (it
   * died or stalled), an orphan queued again (a completion a Redis fail-over undid), a
   * requeue from the error list, or the rest of a unit a closing node stopped on.
   * False otherwise — except in two cases kf cannot see, where a redelivery arrives
   * with `false`: a range scheduled again because a Redis fail-over lost the saved
   * offset written with it, and a claim undone by a fail-over (the unit is back in the
   * work list as it was before the claim). Both need an asynchronous fail-over that
   * loses acknowledged writes; `conf.waitReplicas` makes the first rarer.
   */
  redelivered: boolean;
}

export interface EachMessagePayload {
  message: KfMessage;
  unit: UnitInfo;
  /** Aborted when this call's time (`handlerTimeoutMs`) is up: stop and throw. */
  signal: AbortSignal;
}

export interface KfBatch {
  topic: string;
  partition: number;
  /** In offset order, all inside the unit's range. */
  messages: KfMessage[];
  /** The unit's flag, as every message of the batch carries it: see `UnitInfo.redelivered`. */
  redelivered: boolean;
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

/** A record of `unit` as user code receives it, with the unit's redelivery flag. */
export function toMessage(
  unit: Pick<UnitInfo, 'topic' | 'partition' | 'redelivered'>,
  record: KafkaRecord,
): KfMessage {
  return {
    topic: unit.topic,
    partition: unit.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
    redelivered: unit.redelivered,
  };
}

export function unitInfo(unit: WorkUnit): UnitInfo {
  const { id, topic, partition, offset, len, attempts } = unit;
  return { id, topic, partition, offset, len, attempts, redelivered: unit.redelivered === true };
}
