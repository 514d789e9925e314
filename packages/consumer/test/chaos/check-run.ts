import { label, lossFrom, within } from './fault-times.js';
import type { NodeEventRecord, RunRecord, UnitRef } from './run-record.js';
import { schedulesTwice } from './schedules-twice.js';

/** What the checker found: `violations` empty means the guarantee held. */
export interface RunVerdict {
  violations: string[];
  logged: number;
  delivered: number;
  /** Deliveries beyond the first, per offset. */
  duplicates: number;
  /** Duplicates per fault that explains them (the first in the run's order that does). */
  duplicatesBy: Record<string, number>;
  errorListed: number;
  /** Offsets of error-listed units: never delivered successfully, and reported. */
  errorListedOffsets: number;
  rangesScheduledTwice: number;
  unitsFailed: number;
}

interface Touched {
  topic: string;
  partition: number;
  from: number;
  to: number;
  by: string;
}

const key = (topic: string, partition: number, offset: number) => `${topic}/${partition}/${offset}`;

/**
 * Checks one chaos episode against kf's guarantee, from the record alone:
 * 1. every offset the log holds was delivered, or lies in an error-listed unit;
 * 2. the error list holds only units with an injected poison, and every poison is there;
 * 3. every offset delivered twice lies in a unit a fault touched, named with the fault;
 * 4. no unit is left in a working list or the queue once the episode drained;
 * 5. no range was scheduled twice, except across a Redis master kill that may have lost
 *    the first schedule's write, or a reported `reset-ahead`.
 */
export function checkRun(
  record: RunRecord,
  windows: { kafkaSettleMs: number; redisSettleMs: number },
): RunVerdict {
  const violations: string[] = [];
  const note = (what: string, items: string[]) => {
    if (items.length > 0)
      violations.push(`${what} (${items.length}): ${items.slice(0, 8).join(', ')}`);
  };

  const counts = deliveryCounts(record);
  const listed = record.errorList;
  const inErrorList = (topic: string, partition: number, offset: number) =>
    listed.some(
      (e) =>
        e.topic === topic &&
        e.partition === partition &&
        offset >= e.offset &&
        offset < e.offset + e.len,
    );

  // 1. Nothing lost.
  note(
    'offsets in the log never delivered nor error-listed',
    record.log
      .filter(
        (r) =>
          !counts.has(key(r.topic, r.partition, r.offset)) &&
          !inErrorList(r.topic, r.partition, r.offset),
      )
      .map((r) => key(r.topic, r.partition, r.offset)),
  );

  // 2. The error list holds exactly the injected poison.
  const poison = record.log.filter((r) => r.marker === 'poison');
  note(
    'error-listed units holding no injected poison',
    listed
      .filter(
        (e) =>
          !poison.some(
            (p) =>
              p.topic === e.topic &&
              p.partition === e.partition &&
              p.offset >= e.offset &&
              p.offset < e.offset + e.len,
          ),
      )
      .map(
        (e) =>
          `${key(e.topic, e.partition, e.offset)}+${e.len} (${e.reason}: ${e.detail}; failures: ${failuresOf(record, e).join(' | ')})`,
      ),
  );
  note(
    'poison offsets not on the error list',
    poison
      .filter((p) => !inErrorList(p.topic, p.partition, p.offset))
      .map((p) => key(p.topic, p.partition, p.offset)),
  );
  note('error-list entries whose unit cannot be read', record.unreadableErrors);

  // 3. Every duplicate from a fault.
  const touched = touchedRanges(record, windows);
  const duplicatesBy: Record<string, number> = {};
  const unexplained: string[] = [];
  let duplicates = 0;
  for (const [k, n] of counts) {
    if (n < 2) continue;
    duplicates += n - 1;
    const [topic, partition, offset] = splitKey(k);
    const cause = touched.find(
      (t) => t.topic === topic && t.partition === partition && offset >= t.from && offset < t.to,
    );
    if (cause === undefined) unexplained.push(`${k} ×${n}`);
    else duplicatesBy[cause.by] = (duplicatesBy[cause.by] ?? 0) + n - 1;
  }
  note('offsets delivered more than once outside any unit a fault touched', unexplained);

  note(
    'node processes that exited on their own',
    record.nodes.flatMap((n) =>
      n.events
        .filter((e) => e.type === 'exited')
        .map((e) => `${n.nodeId} ${JSON.stringify(e.type === 'exited' ? e.event : {})}`),
    ),
  );

  note('fault actions that failed', record.harnessErrors);

  // 4. Nothing stranded.
  note('units left in working lists', record.leftWorking);
  if (record.leftQueued > 0) violations.push(`units left queued: ${record.leftQueued}`);

  // 5. No range scheduled twice while Redis kept its writes.
  const twice = schedulesTwice(record);
  note(
    'ranges scheduled twice without a Redis master kill or reset-ahead between',
    twice.filter((t) => t.excuse === undefined).map((t) => t.what),
  );

  const unitsFailed = record.nodes.reduce(
    (sum, n) => sum + n.events.filter((e) => e.type === 'unitFailed').length,
    0,
  );
  return {
    violations,
    logged: record.log.length,
    delivered: counts.size,
    duplicates,
    duplicatesBy,
    errorListed: listed.length,
    errorListedOffsets: listed.reduce((sum, e) => sum + e.len, 0),
    rangesScheduledTwice: twice.length,
    unitsFailed,
  };
}

/** The distinct errors of the failed attempts of units overlapping `range`, with when. */
function failuresOf(
  record: RunRecord,
  range: { topic: string; partition: number; offset: number; len: number },
): string[] {
  const seen = new Map<string, number[]>();
  for (const n of record.nodes) {
    for (const e of n.events) {
      if (e.type !== 'unitFailed' || e.event.unit === undefined) continue;
      const u = e.event.unit;
      if (u.topic !== range.topic || u.partition !== range.partition) continue;
      if (u.offset >= range.offset + range.len || u.offset + u.len <= range.offset) continue;
      seen.set(e.event.error, [...(seen.get(e.event.error) ?? []), e.at]);
    }
  }
  return [...seen].map(([error, at]) => `${at.length}× ${error} (${at[0]}..${at.at(-1)})`);
}

function splitKey(k: string): [string, number, number] {
  const parts = k.split('/');
  const offset = Number(parts.pop());
  const partition = Number(parts.pop());
  return [parts.join('/'), partition, offset];
}

function deliveryCounts(record: RunRecord): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of record.nodes) {
    for (const e of n.events) {
      if (e.type !== 'batch') continue;
      for (const o of e.offsets) {
        const k = key(e.unit.topic, e.unit.partition, o);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/**
 * The units a node may not have been alone on: claimed and never completed, or
 * completed flagged `possibleDuplicate` (its lease had lapsed). Exact from the node's
 * own reports, which arrive in the order it sent them, each batch after its claim.
 */
export function unitsInDoubt(events: readonly NodeEventRecord[]): UnitRef[] {
  const claims = new Map<string, { unit: UnitRef; open: number; flagged: boolean }>();
  for (const e of events) {
    if (e.type === 'unitClaimed') {
      const entry = claims.get(e.event.unit.id) ?? { unit: e.event.unit, open: 0, flagged: false };
      entry.open += 1;
      claims.set(e.event.unit.id, entry);
    } else if (e.type === 'unitCompleted') {
      const entry = claims.get(e.event.unit.id);
      if (entry === undefined) continue;
      if (e.event.possibleDuplicate) entry.flagged = true;
      else entry.open -= 1;
    }
  }
  return [...claims.values()].filter((c) => c.flagged || c.open > 0).map((c) => c.unit);
}

const NODE_FAULTS = new Set(['node-kill', 'leader-kill', 'node-stall', 'node-close']);

/** Every range a fault touched, labelled with the fault, in the order faults happened. */
function touchedRanges(
  record: RunRecord,
  windows: { kafkaSettleMs: number; redisSettleMs: number },
): Touched[] {
  const touched: Touched[] = [];
  const add = (u: Pick<UnitRef, 'topic' | 'partition' | 'offset' | 'len'>, by: string) =>
    touched.push({
      topic: u.topic,
      partition: u.partition,
      from: u.offset,
      to: u.offset + u.len,
      by,
    });
  const byNode = new Map(record.nodes.map((n) => [n.nodeId, n.events]));
  const markers = record.log.filter((r) => r.marker !== undefined);
  const faultWindows = record.faults.flatMap((f) => {
    if (f.kind === 'kafka-broker-kill')
      return [{ f, from: f.at, to: (f.endAt ?? Number.POSITIVE_INFINITY) + windows.kafkaSettleMs }];
    if (f.kind === 'redis-master-kill') {
      return [
        {
          f,
          from: lossFrom(f, record),
          to: (f.endAt ?? Number.POSITIVE_INFINITY) + windows.redisSettleMs,
        },
      ];
    }
    return [];
  });

  // A node a fault hit: what it held when hit, and what it completed flagged.
  for (const f of record.faults) {
    if (!NODE_FAULTS.has(f.kind) || f.nodeId === undefined) continue;
    for (const u of unitsInDoubt(byNode.get(f.nodeId) ?? [])) add(u, label(f));
  }
  // A node whose lease lapsed without a fault aimed at it (a stall the machine caused).
  for (const n of record.nodes) {
    const lost = n.events.find((e) => e.type === 'leaseLost');
    if (lost === undefined) continue;
    for (const u of unitsInDoubt(n.events)) add(u, `lease lost ${n.nodeId} @${lost.at}`);
  }
  for (const n of record.nodes) {
    for (const e of n.events) {
      // A failed unit is retried from where it failed: an injected marker in it, or a
      // Kafka or Redis fault under way, explains it; nothing else does.
      if (e.type === 'unitFailed' && e.event.unit !== undefined) {
        const u = e.event.unit;
        const marker = markers.find(
          (m) =>
            m.topic === u.topic &&
            m.partition === u.partition &&
            m.offset >= u.offset &&
            m.offset < u.offset + u.len,
        );
        const during = faultWindows.find((w) => within(e.at, w.from, w.to));
        if (marker !== undefined)
          add(u, `${marker.marker} ${key(marker.topic, marker.partition, marker.offset)}`);
        else if (during !== undefined) add(u, label(during.f));
      }
      // Claims and completions a Redis fail-over may have undone.
      if (e.type === 'unitClaimed' || e.type === 'unitCompleted') {
        const during = faultWindows.find(
          (w) => w.f.kind === 'redis-master-kill' && within(e.at, w.from, w.to),
        );
        if (during !== undefined) add(e.event.unit, label(during.f));
      }
      if (e.type === 'offsetsMoved' && e.event.reason === 'reset-ahead') {
        const ev = e.event;
        touched.push({
          topic: ev.topic,
          partition: ev.partition,
          from: ev.from,
          to: ev.to,
          by: `reset-ahead reported @${e.at}`,
        });
      }
    }
  }
  // Ranges a lost schedule write let the next leader schedule again.
  for (const t of schedulesTwice(record)) {
    if (t.excuse !== undefined) touched.push({ ...t.range, by: t.excuse });
  }
  return touched;
}
