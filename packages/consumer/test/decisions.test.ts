import { describe, expect, test } from 'vitest';
import { KafkaRequestError } from '../src/errors/kafka-request-error.js';
import { NotLeaderError, type NotLeaderReason } from '../src/errors/not-leader-error.js';
import { OffsetOutOfRangeError } from '../src/errors/offset-out-of-range-error.js';
import { UnknownTopicPartitionError } from '../src/errors/unknown-topic-partition-error.js';
import { startPosition } from '../src/organiser/start-position.js';
import type { WorkUnit } from '../src/work-unit/work-unit.js';
import { decideFailure } from '../src/worker/failure-outcome.js';
import { retryDelay, UnavailabilityBackoff } from '../src/worker/retry-delay.js';

const unit: WorkUnit = {
  id: 't/0/100~a',
  topic: 't',
  partition: 0,
  offset: 100,
  len: 50,
  attempts: 0,
  ts: 1,
  redelivered: false,
};
/** A part of `unit` as handed back: a fresh id of its range, the given attempts and flag. */
const part = (offset: number, len: number, attempts: number, redelivered = false) => ({
  ...unit,
  id: expect.stringMatching(new RegExp(`^t/0/${offset}~[0-9a-z]+$`)),
  offset,
  len,
  attempts,
  redelivered,
});

describe('decideFailure', () => {
  test('a retry hands back only what user code did not finish, with one more attempt', () => {
    const decision = decideFailure(unit, new Error('boom'), { processedUpTo: 120 }, 3);
    expect(decision).toEqual({ requeue: [part(120, 30, 1)] });
  });

  test('a part handed back gets an id of its own, even when it is the whole range', () => {
    const decision = decideFailure(unit, new Error('boom'), { processedUpTo: 100 }, 3);
    expect(decision.requeue).toEqual([part(100, 50, 1)]);
    expect(decision.requeue[0]?.id).not.toBe(unit.id);
  });

  test('the rest is flagged redelivered once user code was handed a record of it', () => {
    const held = decideFailure(
      unit,
      new Error('timeout'),
      { processedUpTo: 120, inHand: { from: 120, to: 121 } },
      3,
    );
    expect(held.requeue).toEqual([part(120, 30, 1, true)]);
    // A fetch failed: nothing of the rest reached user code in this attempt …
    const fetch = decideFailure(unit, new Error('fetch'), { processedUpTo: 120 }, 3);
    expect(fetch.requeue).toEqual([part(120, 30, 1, false)]);
    // … but a flag set before is kept.
    const before = decideFailure(
      { ...unit, redelivered: true },
      new Error('x'),
      { processedUpTo: 100 },
      3,
    );
    expect(before.requeue).toEqual([part(100, 50, 1, true)]);
  });

  test('an attempt that made progress counts once: the rest is requeued with attempts 1', () => {
    const slow = { ...unit, attempts: 2 };
    const decision = decideFailure(
      slow,
      new Error('unit timed out'),
      { processedUpTo: 130, inHand: { from: 130, to: 131 } },
      3,
    );
    expect(decision.giveUp).toBeUndefined();
    expect(decision.requeue).toEqual([part(130, 20, 1, true)]);
  });

  test('a slow but progressing handler never has a message error-listed; maxAttempts failures on one message without progress do', () => {
    // Each attempt finishes ten records, then runs out of time on the next.
    let current: WorkUnit = { ...unit, len: 200 };
    for (let i = 0; i < 19; i++) {
      const at = current.offset + 10;
      const decision = decideFailure(
        current,
        new Error('unit timed out'),
        { processedUpTo: at, inHand: { from: at, to: at + 1 } },
        3,
      );
      expect(decision.giveUp).toBeUndefined();
      expect(decision.requeue).toHaveLength(1);
      current = decision.requeue[0] as WorkUnit;
    }
    expect(current).toMatchObject({ offset: 290, len: 10, attempts: 1 });
    // Then record 290 fails twice more without progress: the third consecutive failure
    // on it error-lists it, and only it.
    const stuck = { processedUpTo: 290, inHand: { from: 290, to: 291 } };
    const second = decideFailure(current, new Error('poison'), stuck, 3);
    expect(second.giveUp).toBeUndefined();
    expect(second.requeue).toEqual([expect.objectContaining({ offset: 290, attempts: 2 })]);
    const third = decideFailure(second.requeue[0] as WorkUnit, new Error('poison'), stuck, 3);
    expect(third.giveUp).toMatchObject({
      unit: { offset: 290, len: 1, attempts: 3 },
      reason: 'ATTEMPTS_EXHAUSTED',
    });
    expect(third.requeue).toEqual([expect.objectContaining({ offset: 291, len: 9, attempts: 0 })]);
  });

  test('out of attempts, only the message in hand is given up; what follows runs afresh', () => {
    const tired = { ...unit, attempts: 2 };
    const decision = decideFailure(
      tired,
      new Error('poison'),
      { processedUpTo: 100, inHand: { from: 100, to: 101 } },
      3,
    );
    expect(decision.requeue).toEqual([part(101, 49, 0)]);
    expect(decision.giveUp).toEqual({
      unit: part(100, 1, 3, true),
      reason: 'ATTEMPTS_EXHAUSTED',
      detail: '3 attempts failed; the last: poison',
    });
  });

  test('fields a newer version added survive into every part handed back or given up', () => {
    const newer = { ...unit, attempts: 2, extra: { priority: 'high' } };
    const decision = decideFailure(
      newer,
      new Error('poison'),
      { processedUpTo: 100, inHand: { from: 100, to: 101 } },
      3,
    );
    expect(decision.requeue[0]?.extra).toEqual({ priority: 'high' });
    expect(decision.giveUp).toMatchObject({ unit: { extra: { priority: 'high' } } });
  });

  test('out of attempts in a fetch, the whole rest is given up', () => {
    const decision = decideFailure(
      { ...unit, attempts: 9 },
      new Error('broker down'),
      { processedUpTo: 100 },
      10,
    );
    expect(decision.requeue).toEqual([]);
    expect(decision.giveUp?.unit).toEqual(part(100, 50, 10));
  });

  test('gone offsets and unknown partitions are error-listed at once, with the range', () => {
    const gone = decideFailure(
      unit,
      new OffsetOutOfRangeError('t', 0, 100, 500, 900),
      { processedUpTo: 100 },
      10,
    );
    expect(gone.giveUp?.reason).toBe('OFFSET_OUT_OF_RANGE');
    expect(gone.giveUp?.detail).toMatch(
      /^offsets \[100, 150\) of t\/0: offset 100 is out of range/,
    );
    const unknown = decideFailure(
      unit,
      new UnknownTopicPartitionError('t', 0),
      { processedUpTo: 110 },
      10,
    );
    expect(unknown).toMatchObject({
      requeue: [],
      giveUp: { reason: 'UNKNOWN_TOPIC_OR_PARTITION', unit: part(110, 40, 0) },
    });
  });
});

describe('decideFailure when retention overtook a unit', () => {
  test('only the deleted head is error-listed; what the partition still holds runs afresh', () => {
    const error = new OffsetOutOfRangeError('t', 0, 100, 130, 900);
    const decision = decideFailure({ ...unit, attempts: 2 }, error, { processedUpTo: 100 }, 10);
    expect(decision.giveUp?.unit).toEqual(part(100, 30, 2));
    expect(decision.giveUp?.reason).toBe('OFFSET_OUT_OF_RANGE');
    expect(decision.requeue).toEqual([part(130, 20, 0)]);
  });

  test('a unit wholly deleted is error-listed whole', () => {
    const error = new OffsetOutOfRangeError('t', 0, 100, 500, 900);
    expect(decideFailure(unit, error, { processedUpTo: 100 }, 10)).toMatchObject({
      requeue: [],
      giveUp: { unit: part(100, 50, 0) },
    });
  });
});

describe('decideFailure when Kafka cannot serve the partition', () => {
  const reasons: NotLeaderReason[] = ['not-leader', 'leader-unavailable', 'broker-unreachable'];
  const unavailable = (reason: NotLeaderReason) => new NotLeaderError('t', 0, reason, 1);

  test.each(reasons)(
    'a fetch failing with NotLeader (%s) requeues the rest without counting an attempt, however often',
    (reason) => {
      // One attempt short of maxAttempts, and far past it: the count stays as it was.
      for (const attempts of [0, 2, 50]) {
        const decision = decideFailure(
          { ...unit, attempts },
          unavailable(reason),
          { processedUpTo: 100 },
          3,
        );
        expect(decision).toEqual({ requeue: [part(100, 50, attempts)], unavailable: true });
      }
      // A thousand failures in a row (an outage of any length) never error-list it.
      let current: WorkUnit = unit;
      for (let i = 0; i < 1_000; i++) {
        const decision = decideFailure(current, unavailable(reason), { processedUpTo: 100 }, 3);
        expect(decision.giveUp).toBeUndefined();
        current = decision.requeue[0] as WorkUnit;
      }
      expect(current).toMatchObject({ offset: 100, len: 50, attempts: 0, redelivered: false });
    },
  );

  test('after progress only the rest is requeued, its count at 0, and the redelivered flag is kept as it was', () => {
    const tried = { ...unit, attempts: 2 };
    // The records before 120 were finished in this attempt; the rest's first never failed.
    expect(
      decideFailure(tried, unavailable('not-leader'), { processedUpTo: 120 }, 3).requeue,
    ).toEqual([part(120, 30, 0, false)]);
    expect(
      decideFailure(
        { ...tried, redelivered: true },
        unavailable('leader-unavailable'),
        { processedUpTo: 120 },
        3,
      ).requeue,
    ).toEqual([part(120, 30, 0, true)]);
    // Nothing left: nothing to requeue.
    expect(decideFailure(tried, unavailable('not-leader'), { processedUpTo: 150 }, 3)).toEqual({
      requeue: [],
    });
  });

  test('user code failing still counts: the same unit is error-listed after maxAttempts', () => {
    const tired = { ...unit, attempts: 2 };
    const inHand = { processedUpTo: 100, inHand: { from: 100, to: 101 } };
    expect(decideFailure(tired, new Error('poison'), inHand, 3).giveUp).toMatchObject({
      unit: part(100, 1, 3, true),
      reason: 'ATTEMPTS_EXHAUSTED',
    });
    // A NotLeaderError that user code threw on a record it was handed is its failure too.
    const thrown = decideFailure(tired, unavailable('not-leader'), inHand, 3);
    expect(thrown.unavailable).toBeUndefined();
    expect(thrown.giveUp).toMatchObject({ reason: 'ATTEMPTS_EXHAUSTED' });
    // A fetch failing for another reason than Kafka's unavailability counts as before.
    const other = decideFailure(
      tired,
      new KafkaRequestError('fetch t/0 at 100', 2, 'CORRUPT_MESSAGE'),
      { processedUpTo: 100 },
      3,
    );
    expect(other).toMatchObject({ requeue: [], giveUp: { reason: 'ATTEMPTS_EXHAUSTED' } });
  });

  test('gone offsets and unknown partitions are decided as before, not as unavailability', () => {
    const gone = decideFailure(
      unit,
      new OffsetOutOfRangeError('t', 0, 100, 130, 900),
      { processedUpTo: 100 },
      3,
    );
    expect(gone).toEqual({
      requeue: [part(130, 20, 0)],
      giveUp: {
        unit: part(100, 30, 0),
        reason: 'OFFSET_OUT_OF_RANGE',
        detail: expect.stringMatching(/^offsets \[100, 130\) of t\/0:/),
      },
    });
    const unknown = decideFailure(
      unit,
      new UnknownTopicPartitionError('t', 0),
      { processedUpTo: 100 },
      3,
    );
    expect(unknown).toEqual({
      requeue: [],
      giveUp: {
        unit: part(100, 50, 0),
        reason: 'UNKNOWN_TOPIC_OR_PARTITION',
        detail: expect.any(String),
      },
    });
  });
});

describe('retryDelay', () => {
  const conf = { retryBackoffMs: 100, maxRetryBackoffMs: 1_000 };
  test('doubles per attempt up to the cap, with at most 20% taken off', () => {
    expect([0, 1, 2, 3, 4, 20].map((a) => retryDelay(a, conf, () => 0))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(retryDelay(1, conf, () => 1)).toBe(160);
  });
});

describe('UnavailabilityBackoff', () => {
  const conf = { retryBackoffMs: 100, maxRetryBackoffMs: 1_000, handlerTimeoutMs: 5_000 };
  // A stretch ends after no failure for maxRetryBackoffMs + handlerTimeoutMs.
  const window = conf.maxRetryBackoffMs + conf.handlerTimeoutMs;
  const clocked = (random = () => 0) => {
    let now = 0;
    const backoff = new UnavailabilityBackoff(conf, () => now, random);
    return { backoff, at: (ms: number) => (now = ms) };
  };

  test('waits retryBackoffMs at first — for every unit failing with the first — then as long as the stretch has lasted, up to the cap', () => {
    const { backoff, at } = clocked();
    at(0);
    expect([1, 2, 3].map(() => backoff.next('t', 0))).toEqual([100, 100, 100]);
    at(60);
    expect(backoff.next('t', 0)).toBe(100);
    at(300);
    expect(backoff.next('t', 0)).toBe(300);
    at(700);
    expect(backoff.next('t', 0)).toBe(700);
    at(2_000);
    expect(backoff.next('t', 0)).toBe(1_000);
    // A failure at least every `window` keeps the stretch going: still the cap.
    for (let t = 2_000; t < 600_000; t += window) {
      at(t);
      expect(backoff.next('t', 0)).toBe(1_000);
    }
  });

  test('each partition has its stretch; one ends after a quiet window and starts over', () => {
    const { backoff, at } = clocked();
    at(0);
    backoff.next('t', 0);
    at(5_000);
    expect(backoff.next('t', 0)).toBe(1_000);
    expect(backoff.next('t', 1)).toBe(100);
    expect(backoff.next('u', 0)).toBe(100);
    at(5_000 + window);
    expect(backoff.next('t', 0)).toBe(1_000); // exactly the window: still the same stretch
    at(5_000 + 2 * window + 1);
    expect(backoff.next('t', 0)).toBe(100); // quiet for longer: Kafka served it, a new one
  });

  test('at most 20% jitter is taken off', () => {
    const { backoff, at } = clocked(() => 1);
    at(0);
    expect(backoff.next('t', 0)).toBe(80);
    at(3_000);
    expect(backoff.next('t', 0)).toBe(800);
  });

  test('an outage of any length is no hot loop: retries of a unit failing at once come at doubling times, then one per capped wait', () => {
    // The worst case: every attempt fails instantly and every wait is 20% short.
    const { backoff, at } = clocked(() => 1);
    const outageMs = 600_000;
    let now = 0;
    let retries = 0;
    while (now < outageMs) {
      at(now);
      now += backoff.next('t', 0);
      retries += 1;
    }
    // Doubling from 0.8 × retryBackoffMs to the cap takes log2(1000 / 80) < 4 waits; then
    // one per 0.8 × maxRetryBackoffMs. Margin: one wait.
    expect(retries).toBeLessThanOrEqual(
      4 + Math.ceil(outageMs / (0.8 * conf.maxRetryBackoffMs)) + 1,
    );
  });
});

describe('startPosition', () => {
  const base = { earliest: 10, latest: 50, useEarliest: false, resetAheadOffsets: true };
  test.each([
    [{ saved: undefined }, { kind: 'initial', offset: 50 }],
    [
      { saved: undefined, useEarliest: true },
      { kind: 'initial', offset: 10 },
    ],
    [{ saved: 30 }, { kind: 'saved', offset: 30 }],
    [{ saved: 50 }, { kind: 'saved', offset: 50 }],
    [{ saved: 4 }, { kind: 'retention-skipped', offset: 10, lostFrom: 4 }],
    [{ saved: 70 }, { kind: 'reset-ahead', offset: 50, savedAhead: 70 }],
    [
      { saved: 70, resetAheadOffsets: false },
      { kind: 'wait-ahead', savedAhead: 70 },
    ],
  ])('%o → %o', (input, expected) => {
    expect(startPosition({ ...base, ...input })).toEqual(expected);
  });
});
