import { KafkaErrorCode } from '../errors/kafka-error-code.js';
import type { WorkUnit } from '../work-unit/work-unit.js';
import type { ErrorReason } from './fail-unit.js';

export type FailureDecision =
  | { retry: true }
  | { retry: false; reason: ErrorReason; detail: string };

/**
 * Whether a failed attempt is worth another: offsets that are gone and partitions that
 * do not exist will not come back, and a unit out of attempts has shown it will not pass.
 * Everything else (a leader moving, a broker restarting, user code throwing, a timeout)
 * is retried.
 */
export function decideFailure(
  unit: WorkUnit,
  error: unknown,
  maxAttempts: number,
): FailureDecision {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === KafkaErrorCode.OffsetOutOfRange) {
    return { retry: false, reason: 'OFFSET_OUT_OF_RANGE', detail: withRange(unit, detail) };
  }
  if (code === KafkaErrorCode.UnknownTopicOrPartition) {
    return { retry: false, reason: 'UNKNOWN_TOPIC_OR_PARTITION', detail: withRange(unit, detail) };
  }
  if (unit.attempts + 1 >= maxAttempts) {
    return {
      retry: false,
      reason: 'ATTEMPTS_EXHAUSTED',
      detail: `${maxAttempts} attempts failed; the last: ${detail}`,
    };
  }
  return { retry: true };
}

function withRange(unit: WorkUnit, detail: string): string {
  return `offsets [${unit.offset}, ${unit.offset + unit.len}) of ${unit.topic}/${unit.partition}: ${detail}`;
}
