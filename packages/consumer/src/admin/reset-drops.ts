import { decodeUnit } from '../work-unit/work-unit.js';

/** A range of offsets a dropped unit covered: `[offset, offset + len)`. */
export interface UnitRange {
  partition: number;
  offset: number;
  len: number;
}

/**
 * A dropped unit this kf cannot read (a newer unit format, an id it does not know): as it
 * was queued, with why it could not be read. Its offsets are not among the ranges.
 */
export interface UnreadableUnit {
  /** As the unit's JSON names it; `null` if this kf's JSON parser cannot read it. */
  partition: number | null;
  raw: string;
  reason: string;
}

/**
 * The queued units of the chosen partitions a reset dropped (for a dry run: those queued
 * now, which a reset would drop).
 */
export interface DroppedUnits {
  /** The ranges of those this kf reads, lowest offset first. */
  dropped: UnitRange[];
  /** Those it cannot read, as they were queued: their offsets are not in `dropped`. */
  droppedUnreadable: UnreadableUnit[];
}

/**
 * Whether the reset script drops this queued string: the same test as
 * reset-offsets-n.lua's (JSON naming the topic, a string id and a chosen partition), so a
 * dry run reports what a reset would drop, readable by this kf or not.
 */
export function resetDrops(raw: string, topic: string, partitions: readonly number[]): boolean {
  const unit = jsonObject(raw);
  return (
    unit?.topic === topic &&
    typeof unit.id === 'string' &&
    typeof unit.partition === 'number' &&
    partitions.includes(unit.partition)
  );
}

/** Every dropped unit reported: its range when this kf reads it, else as it was queued. */
export function describeDropped(raws: readonly string[]): DroppedUnits {
  const dropped: UnitRange[] = [];
  const droppedUnreadable: UnreadableUnit[] = [];
  for (const raw of raws) {
    const decoded = decodeUnit(raw);
    if (decoded.ok) {
      const { partition, offset, len } = decoded.unit;
      dropped.push({ partition, offset, len });
    } else {
      const partition = jsonObject(raw)?.partition;
      droppedUnreadable.push({
        partition: typeof partition === 'number' ? partition : null,
        raw,
        reason: decoded.reason,
      });
    }
  }
  dropped.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return { dropped, droppedUnreadable };
}

function jsonObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
