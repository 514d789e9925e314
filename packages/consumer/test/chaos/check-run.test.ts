import { describe, expect, test } from 'vitest';
import { checkRun } from './check-run.js';
import type { FaultRecord, NodeEventRecord, RunRecord, UnitRef } from './run-record.js';

// The chaos checker is pure logic: each check is shown passing a clean record and
// failing the record that breaks it, so a chaos run's "0 violations" means something.

const WINDOWS = { kafkaSettleMs: 1_000, redisSettleMs: 1_000 };
const unit = (offset: number, len: number, id = `t/0/${offset}~a`): UnitRef => ({
  id,
  topic: 't',
  partition: 0,
  offset,
  len,
});
const claimed = (u: UnitRef, at: number): NodeEventRecord => ({
  type: 'unitClaimed',
  at,
  event: { unit: u },
});
const batch = (u: UnitRef, at: number, offsets = range(u.offset, u.len)): NodeEventRecord => ({
  type: 'batch',
  at,
  unit: { id: u.id, topic: u.topic, partition: u.partition },
  redelivered: false,
  offsets,
});
const completed = (u: UnitRef, at: number, possibleDuplicate = false): NodeEventRecord => ({
  type: 'unitCompleted',
  at,
  event: { unit: u, possibleDuplicate },
});
const scheduled = (from: number, to: number, at: number, epoch = 1): NodeEventRecord => ({
  type: 'unitsScheduled',
  at,
  event: { topic: 't', partition: 0, from, to, epoch },
});
const range = (from: number, len: number) => Array.from({ length: len }, (_, i) => from + i);

/** Offsets 0..9 logged, scheduled as two units, each run once by one node. */
function cleanRecord(): RunRecord {
  const [a, b] = [unit(0, 5), unit(5, 5)];
  return {
    nodes: [
      {
        nodeId: 'n0',
        events: [
          scheduled(0, 10, 1),
          claimed(a, 2),
          batch(a, 3),
          completed(a, 4),
          claimed(b, 5),
          batch(b, 6),
          completed(b, 7),
        ],
      },
    ],
    log: range(0, 10).map((offset) => ({ topic: 't', partition: 0, offset })),
    errorList: [],
    unreadableErrors: [],
    leftWorking: [],
    leftQueued: 0,
    faults: [],
    harnessErrors: [],
    redisLossWindowMs: 100,
  };
}

describe('chaos checker', () => {
  test('a clean run: no violations, every offset once', () => {
    const verdict = checkRun(cleanRecord(), WINDOWS);
    expect(verdict.violations).toEqual([]);
    expect(verdict).toMatchObject({ logged: 10, delivered: 10, duplicates: 0 });
  });

  test('an offset of the log never delivered is a violation', () => {
    const record = cleanRecord();
    record.log.push({ topic: 't', partition: 0, offset: 10 });
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'offsets in the log never delivered nor error-listed (1): t/0/10',
    ]);
  });

  test('error-listed offsets count as reported; an error-listed unit without poison does not pass', () => {
    const record = cleanRecord();
    record.log.push(
      { topic: 't', partition: 0, offset: 10, marker: 'poison' },
      { topic: 't', partition: 0, offset: 11 },
    );
    record.errorList.push({
      topic: 't',
      partition: 0,
      offset: 10,
      len: 2,
      reason: 'HANDLER_FAILED',
      detail: 'injected poison',
    });
    expect(checkRun(record, WINDOWS).violations).toEqual([]);
    record.errorList.push({
      topic: 't',
      partition: 0,
      offset: 3,
      len: 1,
      reason: 'ATTEMPTS_EXHAUSTED',
      detail: 'fetch failed',
    });
    (record.nodes[0] as RunRecord['nodes'][0]).events.push({
      type: 'unitFailed',
      at: 8,
      event: { unit: unit(3, 1), outcome: 'error-listed', error: 'fetch failed' },
    });
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'error-listed units holding no injected poison (1): t/0/3+1 (ATTEMPTS_EXHAUSTED: fetch failed; failures: 1× fetch failed (8..8))',
    ]);
  });

  test('a poison offset that never reached the error list is a violation', () => {
    const record = cleanRecord();
    (record.log[4] as { marker?: string }).marker = 'poison';
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'poison offsets not on the error list (1): t/0/4',
    ]);
  });

  test('a duplicate no fault explains is a violation; the same duplicate from a killed node passes', () => {
    const record = cleanRecord();
    const again = unit(0, 5, 't/0/0~b');
    const events = (record.nodes[0] as RunRecord['nodes'][0]).events;
    events.push(claimed(again, 8), batch(again, 9), completed(again, 10));
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'offsets delivered more than once outside any unit a fault touched (5): t/0/0 ×2, t/0/1 ×2, t/0/2 ×2, t/0/3 ×2, t/0/4 ×2',
    ]);

    // n1 claimed the first unit and was killed before completing it: n0 ran it again.
    const victim = unit(0, 5);
    record.nodes.push({ nodeId: 'n1', events: [claimed(victim, 1), batch(victim, 2)] });
    record.faults.push({ kind: 'node-kill', at: 3, nodeId: 'n1', detail: 'SIGKILL' });
    events.splice(events.length - 3, 3);
    const verdict = checkRun(record, WINDOWS);
    expect(verdict.violations).toEqual([]);
    expect(verdict.duplicatesBy).toEqual({ 'node-kill n1 @3': 5 });
  });

  test('a duplicate from a unit that failed with an injected throw is explained by it', () => {
    const record = cleanRecord();
    (record.log[2] as { marker?: string }).marker = 'throw';
    const a = unit(0, 5);
    const events = (record.nodes[0] as RunRecord['nodes'][0]).events;
    events.push(
      {
        type: 'unitFailed',
        at: 8,
        event: { unit: a, outcome: 'requeued', error: 'injected throw' },
      },
      batch(unit(0, 5, 't/0/0~c'), 9),
    );
    const verdict = checkRun(record, WINDOWS);
    expect(verdict.violations).toEqual([]);
    expect(verdict.duplicatesBy).toEqual({ 'throw t/0/2': 5 });
  });

  test('a unit failing outside any fault explains nothing', () => {
    const record = cleanRecord();
    const events = (record.nodes[0] as RunRecord['nodes'][0]).events;
    events.push(
      {
        type: 'unitFailed',
        at: 8,
        event: { unit: unit(0, 5), outcome: 'requeued', error: 'fetch failed' },
      },
      batch(unit(0, 5, 't/0/0~c'), 9),
    );
    expect(checkRun(record, WINDOWS).violations).toHaveLength(1);
    const kafka: FaultRecord = { kind: 'kafka-broker-kill', at: 5, endAt: 7, detail: 'broker 1' };
    record.faults.push(kafka);
    expect(checkRun(record, WINDOWS).violations).toEqual([]);
  });

  test('a node process that exited on its own, or a fault action that failed, is a violation', () => {
    const record = cleanRecord();
    (record.nodes[0] as RunRecord['nodes'][0]).events.push({
      type: 'exited',
      at: 9,
      event: { code: 70, signal: null },
    });
    record.harnessErrors.push('replacement node did not start');
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'node processes that exited on their own (1): n0 {"code":70,"signal":null}',
      'fault actions that failed (1): replacement node did not start',
    ]);
  });

  test('units left in a working list or queued are violations', () => {
    const record = cleanRecord();
    record.leftWorking.push('n0: {"id":"t/0/0~a"}');
    record.leftQueued = 2;
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'units left in working lists (1): n0: {"id":"t/0/0~a"}',
      'units left queued: 2',
    ]);
  });

  test('a range scheduled twice is a violation unless a Redis master kill just before may have lost it', () => {
    const record = cleanRecord();
    const events = (record.nodes[0] as RunRecord['nodes'][0]).events;
    events.push(scheduled(5, 10, 500, 2));
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'ranges scheduled twice without a Redis master kill or reset-ahead between (1): t/0 [0,10) by n0@1 @1 and [5,10) by n0@2 @500',
    ]);
    // A kill 50 ms after the first schedule (inside the 100 ms loss window) excuses it ...
    record.faults.push({ kind: 'redis-master-kill', at: 51, endAt: 60, detail: 'master' });
    expect(checkRun(record, WINDOWS).violations).toEqual([]);
    // ... a kill long after it does not.
    (record.faults[0] as FaultRecord).at = 400;
    expect(checkRun(record, WINDOWS).violations).toHaveLength(1);
    // ... unless the master had no replica streaming from it since before the schedule.
    (record.faults[0] as FaultRecord).lossFrom = 0;
    expect(checkRun(record, WINDOWS).violations).toEqual([]);
    (record.faults[0] as FaultRecord).lossFrom = 2;
    expect(checkRun(record, WINDOWS).violations).toHaveLength(1);
  });

  test('a range scheduled twice is excused by a kill that rolled its saved offset back over it, whatever the times', () => {
    const record = cleanRecord();
    const events = (record.nodes[0] as RunRecord['nodes'][0]).events;
    events.push(scheduled(5, 10, 500, 2));
    // The first schedule's event comes after the kill (its leader read the reply late).
    const kill: FaultRecord = { kind: 'redis-master-kill', at: 0, endAt: 60, detail: 'master' };
    record.faults.push(kill);
    expect(checkRun(record, WINDOWS).violations).toHaveLength(1);
    kill.rolledBack = [{ topic: 't', partition: 0, from: 5, to: 10 }];
    expect(checkRun(record, WINDOWS).violations).toEqual([]);
    // A rollback below the second schedule's start, of another partition, or after the
    // second schedule explains nothing.
    kill.rolledBack = [{ topic: 't', partition: 0, from: 0, to: 5 }];
    expect(checkRun(record, WINDOWS).violations).toHaveLength(1);
    kill.rolledBack = [{ topic: 't', partition: 1, from: 5, to: 10 }];
    expect(checkRun(record, WINDOWS).violations).toHaveLength(1);
    kill.rolledBack = [{ topic: 't', partition: 0, from: 5, to: 10 }];
    kill.at = 600;
    expect(checkRun(record, WINDOWS).violations).toHaveLength(1);
  });

  test('a rollback excuses one more schedule of each offset it undid, and no offset past it', () => {
    const record = cleanRecord();
    const events = (record.nodes[0] as RunRecord['nodes'][0]).events;
    record.faults.push({
      kind: 'redis-master-kill',
      at: 2,
      endAt: 60,
      detail: 'master',
      rolledBack: [{ topic: 't', partition: 0, from: 5, to: 10 }],
    });
    // Scheduled again after the kill: excused. A third time: the rollback is spent.
    events.push(scheduled(5, 10, 500, 2));
    expect(checkRun(record, WINDOWS).violations).toEqual([]);
    events.push(scheduled(7, 12, 900, 3));
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'ranges scheduled twice without a Redis master kill or reset-ahead between (1): t/0 [5,10) by n0@2 @500 and [7,12) by n0@3 @900',
    ]);
    expect(checkRun(record, WINDOWS).rangesScheduledTwice).toBe(2);
  });

  test('every overlap counts, not only that of schedules next to each other by offset', () => {
    const record = cleanRecord();
    const events = (record.nodes[0] as RunRecord['nodes'][0]).events;
    // [0,10) first; [2,3) and [5,8) each overlap it, not each other.
    events.push(scheduled(2, 3, 100, 2), scheduled(5, 8, 200, 2));
    expect(checkRun(record, WINDOWS).violations).toEqual([
      'ranges scheduled twice without a Redis master kill or reset-ahead between (2): t/0 [0,10) by n0@1 @1 and [2,3) by n0@2 @100, t/0 [0,10) by n0@1 @1 and [5,8) by n0@2 @200',
    ]);
  });
});
