import { unitId, type WorkUnit } from '../work-unit/work-unit.js';

export interface PlanInput {
  topic: string;
  partition: number;
  /** The saved offset: the first one not yet scheduled. */
  from: number;
  /** The partition's latest offset (exclusive end of what exists). */
  to: number;
  /** The most offsets one unit may hold. */
  consumeStep: number;
  /**
   * Workers that could start on a unit now. A small backlog is cut into this many
   * pieces, so every free worker gets some instead of one taking it all.
   */
  freeWorkers: number;
  /** How many units the work list may still take (Kafka is the buffer, not Redis). */
  maxUnits: number;
  now: number;
}

export interface Plan {
  units: WorkUnit[];
  /** The saved offset once these units are queued: the end of the last one. */
  nextOffset: number;
}

type Cut = Pick<PlanInput, 'from' | 'to' | 'consumeStep' | 'freeWorkers'>;

/** The length of the units `[from, to)` is cut into (the last may be shorter). */
function unitSize(input: Cut): number {
  const backlog = input.to - input.from;
  const pieces = Math.max(1, input.freeWorkers);
  return Math.min(input.consumeStep, Math.max(1, Math.ceil(backlog / pieces)));
}

/**
 * How many units `planUnits` cuts `[from, to)` into when nothing limits it: what the
 * organiser asks of a tick's room for the partition, counted without building them.
 */
export function unitsWanted(input: Cut): number {
  const backlog = input.to - input.from;
  return backlog <= 0 ? 0 : Math.ceil(backlog / unitSize(input));
}

/** Cuts `[from, to)` into units of at most `consumeStep` offsets. */
export function planUnits(input: PlanInput): Plan {
  const backlog = input.to - input.from;
  if (backlog <= 0 || input.maxUnits <= 0) return { units: [], nextOffset: input.from };
  const size = unitSize(input);
  const units: WorkUnit[] = [];
  let offset = input.from;
  while (offset < input.to && units.length < input.maxUnits) {
    const len = Math.min(size, input.to - offset);
    units.push({
      id: unitId(input.topic, input.partition, offset),
      topic: input.topic,
      partition: input.partition,
      offset,
      len,
      attempts: 0,
      ts: input.now,
    });
    offset += len;
  }
  return { units, nextOffset: offset };
}

/**
 * How many of `freeWorkers` each backlog is cut for: in proportion to its size, at least
 * one each. The shares may add up to a little more than `freeWorkers` (each backlog gets
 * at least one), never to partitions × workers.
 */
export function workerShares(backlogs: number[], freeWorkers: number): number[] {
  const total = backlogs.reduce((sum, b) => sum + Math.max(0, b), 0);
  if (total === 0) return backlogs.map(() => 1);
  return backlogs.map((b) =>
    Math.max(1, Math.round((Math.max(0, freeWorkers) * Math.max(0, b)) / total)),
  );
}
