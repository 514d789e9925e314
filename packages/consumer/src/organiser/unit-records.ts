import type { Isolation, PolledRecords } from '../kafka/kafka-access.js';
import { batchBounds } from '../kafka/record-batch.js';
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
  if (polled === undefined || maxBytes <= 0 || from < polled.from || to > polled.to) {
    return undefined;
  }
  const cutFrom = polled.abortedTransactions.length > 0 ? polled.from : from;
  const held = batchBounds(polled.data).filter(
    (b) => b.lastOffset >= cutFrom && b.firstOffset < to,
  );
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
