/**
 * Attribute names: OpenTelemetry's messaging semantic conventions where they have one
 * (as of semantic conventions 1.36), `kf.*` otherwise.
 */
export const Attr = {
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  consumerGroup: 'messaging.consumer.group.name',
  clientId: 'messaging.client.id',
  offset: 'messaging.kafka.offset',
  tombstone: 'messaging.kafka.message.tombstone',
  batchMessageCount: 'messaging.batch.message_count',
  errorType: 'error.type',
  redelivered: 'kf.message.redelivered',
  unitOutcome: 'kf.unit.outcome',
  errorReason: 'kf.error.reason',
  leadershipChange: 'kf.leadership.change',
} as const;

/** The instrumentation scope kf's meter and tracer are named for. */
export const SCOPE = '@kf/consumer';

/** `error.type` of a failure: the error's name (`HandlerTimeoutError`, `TypeError`), else `_OTHER`. */
export function errorType(error: unknown): string {
  return error instanceof Error ? error.name : '_OTHER';
}
