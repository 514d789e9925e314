import { setTimeout as delay } from 'node:timers/promises';
import type { Isolation, KafkaAccess, KafkaRecord } from '../../src/index.js';

export interface RangeRead {
  records: KafkaRecord[];
  /** Fetches it took, so a test can prove the byte limit split the range. */
  fetches: number;
  /** Where the caller would continue: at or past `offset + len`. */
  nextOffset: number;
}

/**
 * What a worker does with a unit `[offset, offset + len)`: fetch from `offset`, keep
 * records below the end, continue from `nextOffset` until the range is covered. Fails
 * when a fetch makes no progress while data is there (a stall), instead of looping.
 */
export async function readRange(
  access: KafkaAccess,
  unit: { topic: string; partition: number; offset: number; len: number },
  options: { maxBytes?: number; isolation?: Isolation } = {},
): Promise<RangeRead> {
  const end = unit.offset + unit.len;
  const records: KafkaRecord[] = [];
  let position = unit.offset;
  let fetches = 0;
  let stalls = 0;
  while (position < end) {
    const result = await access.fetch({
      topic: unit.topic,
      partition: unit.partition,
      offset: position,
      maxBytes: options.maxBytes ?? 1024 * 1024,
      maxWaitMs: 100,
      isolation: options.isolation ?? 'read_uncommitted',
    });
    fetches += 1;
    for (const record of result.records) if (record.offset < end) records.push(record);
    if (result.nextOffset <= position && result.highWatermark <= position && stalls++ < 100) {
      // A new leader's high watermark can trail the acknowledged end for a moment.
      await delay(50);
      continue;
    }
    if (result.nextOffset <= position) {
      throw new Error(
        `fetch at ${position} did not advance (next ${result.nextOffset}, high watermark ${result.highWatermark})`,
      );
    }
    position = result.nextOffset;
  }
  return { records, fetches, nextOffset: position };
}

export const text = (value: Buffer | null): string | null =>
  value === null ? null : value.toString('utf8');
