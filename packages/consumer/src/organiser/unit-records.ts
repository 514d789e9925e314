import type { Isolation, PolledRecords } from '@kf/protocol';
import { type BatchBounds, batchBounds } from '@kf/protocol/kafka-records';
import type { UnitRecords } from '../work-unit/work-unit.js';

/**
 * The records of `[from, to)` for a unit to carry, cut from what a long poll read under
 * `isolation`: the whole batches that hold any of them, when the poll read every one of
 * them and they take at most `maxBytes`. `undefined` otherwise: the unit is fetched.
 *
 * With aborted transactions listed, the cut starts at the poll's own start instead: the
 * list is the poll's, and a transaction whose abort marker lies between the poll's start
 * and the unit's would otherwise still read as open in the unit, hiding its producer's
 * committed records after it (a fetch from the unit's offset would not list it). Read
 * from the poll's start, the marker closes it, as in the poll's own answer.
 */
export function unitRecords(
  polled: PolledRecords | undefined,
  from: number,
  to: number,
  maxBytes: number,
  isolation: Isolation,
): UnitRecords | undefined {
  return polled === undefined ? undefined : recordsCutter(polled, maxBytes, isolation)(from, to);
}

/**
 * `unitRecords` for the units of one plan: the poll's batch bounds are read once, not
 * once a unit.
 */
export function recordsCutter(
  polled: PolledRecords,
  maxBytes: number,
  isolation: Isolation,
): (from: number, to: number) => UnitRecords | undefined {
  let bounds: BatchBounds[] | undefined;
  return (from, to) => {
    if (maxBytes <= 0 || from < polled.from || to > polled.to) return undefined;
    bounds ??= batchBounds(polled.data);
    return cut(polled, bounds, from, to, maxBytes, isolation);
  };
}

function cut(
  polled: PolledRecords,
  bounds: BatchBounds[],
  from: number,
  to: number,
  maxBytes: number,
  isolation: Isolation,
): UnitRecords | undefined {
  const cutFrom = polled.abortedTransactions.length > 0 ? polled.from : from;
  const held = bounds.filter((b) => b.lastOffset >= cutFrom && b.firstOffset < to);
  const first = held[0];
  const last = held.at(-1);
  if (first === undefined || last === undefined || last.end - first.start > maxBytes) {
    return undefined;
  }
  return {
    from: cutFrom,
    isolation,
    data: polled.data.subarray(first.start, last.end).toString('base64'),
    aborted: polled.abortedTransactions.map((t): [string, string] => [t.producerId, t.firstOffset]),
  };
}
