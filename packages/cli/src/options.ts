import type { ErrorFilter, ErrorReason, ResetTarget } from '@kf/consumer';
import { InvalidArgumentError } from 'commander';

const REASONS: readonly ErrorReason[] = [
  'ATTEMPTS_EXHAUSTED',
  'OFFSET_OUT_OF_RANGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'MALFORMED_UNIT',
];

/** An option's whole number of 0 or more (a partition, an index, a limit). */
export function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('expected a whole number of 0 or more');
  return Number(text);
}

/** A whole number of 1 or more (milliseconds). */
export function positiveNumber(text: string): number {
  const n = wholeNumber(text);
  if (n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

export function reason(text: string): ErrorReason {
  const upper = text.toUpperCase();
  if (!REASONS.includes(upper as ErrorReason)) {
    throw new InvalidArgumentError(`expected one of ${REASONS.join(', ')}`);
  }
  return upper as ErrorReason;
}

/** `earliest`, `latest`, an offset, or an ISO 8601 time (`2026-01-31T12:00:00Z`). */
export function resetTarget(text: string): ResetTarget {
  if (text === 'earliest' || text === 'latest') return text;
  if (/^\d+$/.test(text)) return Number(text);
  // A date at least, so a mistyped word is not read as a time by Date's lenient parser.
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new InvalidArgumentError(
    'expected earliest, latest, an offset, or an ISO time such as 2026-01-31T12:00:00Z',
  );
}

/** The filter options of the `errors` commands. */
export interface FilterOptions {
  reason?: ErrorReason;
  topic?: string;
  partition?: number;
}

export function errorFilter(options: FilterOptions): ErrorFilter {
  return {
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.topic === undefined ? {} : { topic: options.topic }),
    ...(options.partition === undefined ? {} : { partition: options.partition }),
  };
}
