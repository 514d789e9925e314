import { z } from 'zod';

/**
 * A range of one partition's offsets, `[offset, offset + len)`, queued in Redis for any
 * node to take. Its encoded string is its identity in the lists: the exact string
 * popped is the one removed, so it is encoded in one place with a fixed key order.
 */
export interface WorkUnit {
  /** `topic/partition/offset`: unique, since a range is scheduled once. */
  id: string;
  topic: string;
  partition: number;
  offset: number;
  len: number;
  /** Failed attempts so far. */
  attempts: number;
  /** When the unit was made (ms since the epoch): its age shows in the error list. */
  ts: number;
}

const count = z.int().nonnegative();

const unitSchema = z.strictObject({
  id: z.string().min(1),
  topic: z.string().min(1),
  partition: count,
  offset: count,
  len: z.int().positive(),
  attempts: count,
  ts: count,
});

export function unitId(topic: string, partition: number, offset: number): string {
  return `${topic}/${partition}/${offset}`;
}

export function encodeUnit(unit: WorkUnit): string {
  const { id, topic, partition, offset, len, attempts, ts } = unit;
  return JSON.stringify({ id, topic, partition, offset, len, attempts, ts });
}

export type DecodedUnit = { ok: true; unit: WorkUnit } | { ok: false; reason: string };

/**
 * Reads a unit popped from a list. A malformed one is not thrown away: the reason says
 * what is wrong, for the error list.
 */
export function decodeUnit(raw: string): DecodedUnit {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = unitSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first?.path.join('.') || '(root)';
    return { ok: false, reason: `${path}: ${first?.message ?? 'invalid'}` };
  }
  const unit = parsed.data;
  if (unit.id !== unitId(unit.topic, unit.partition, unit.offset)) {
    return { ok: false, reason: `id: expected ${unitId(unit.topic, unit.partition, unit.offset)}` };
  }
  return { ok: true, unit };
}

/**
 * The part `[from, to)` of a unit's range as a unit of its own (clamped to the unit);
 * `undefined` when nothing of the unit is in it.
 */
export function sliceUnit(
  unit: WorkUnit,
  from: number,
  to: number,
  attempts = unit.attempts,
): WorkUnit | undefined {
  const start = Math.max(from, unit.offset);
  const end = Math.min(to, unit.offset + unit.len);
  if (start >= end) return undefined;
  return {
    ...unit,
    id: unitId(unit.topic, unit.partition, start),
    offset: start,
    len: end - start,
    attempts,
  };
}
