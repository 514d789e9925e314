import { describe, expect, test } from 'vitest';
import { HandlerTimeoutError } from '../src/errors/handler-timeout-error.js';
import { KafkaErrorCode } from '../src/errors/kafka-error-code.js';
import { KafkaRequestError } from '../src/errors/kafka-request-error.js';
import { NotLeaderError, type NotLeaderReason } from '../src/errors/not-leader-error.js';
import { OffsetOutOfRangeError } from '../src/errors/offset-out-of-range-error.js';
import { UnknownTopicPartitionError } from '../src/errors/unknown-topic-partition-error.js';
import type { FetchResult, KafkaAccess, KafkaRecord } from '../src/kafka/kafka-access.js';
import { startPosition } from '../src/organiser/start-position.js';
import type { WorkUnit } from '../src/work-unit/work-unit.js';
import { decideFailure } from '../src/worker/failure-outcome.js';
import { retryDelay, UnavailabilityBackoff } from '../src/worker/retry-delay.js';
import { type Delivery, type RunUnitOptions, runUnit } from '../src/worker/run-unit.js';
import { sampleUnit as unit } from './support/sample-unit.js';

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

  test('out of range with no range known (the lookup failed): retried as any failure, nothing given up yet', () => {
    // Which offsets are gone is unknown: giving up the rest would error-list offsets the
    // partition may still hold. The attempt counts, so a range that stays unknown ends on
    // the error list as ATTEMPTS_EXHAUSTED, reported.
    const error = new OffsetOutOfRangeError('t', 0, 100, undefined, undefined);
    expect(decideFailure({ ...unit, attempts: 2 }, error, { processedUpTo: 100 }, 10)).toEqual({
      requeue: [part(100, 50, 3)],
    });
    const last = decideFailure({ ...unit, attempts: 9 }, error, { processedUpTo: 100 }, 10);
    expect(last.requeue).toEqual([]);
    expect(last.giveUp).toMatchObject({ unit: part(100, 50, 10), reason: 'ATTEMPTS_EXHAUSTED' });
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
  const reasons: NotLeaderReason[] = [
    'not-leader',
    'leader-unavailable',
    'broker-unreachable',
    'no-reply',
  ];
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

describe('runUnit when the leader does not answer a fetch', () => {
  // The call limit scaled down from handlerTimeoutMs (30 s by default, which fires before
  // kafkajs's own request timeout, requestTimeoutMs 30 s checked every 100 ms).
  const timeoutMs = 50;
  const record = (offset: number): KafkaRecord => ({
    offset,
    key: null,
    value: Buffer.from(String(offset)),
    headers: [],
    timestamp: 1,
  });
  const answer = (from: number, to: number): FetchResult => ({
    records: Array.from({ length: to - from }, (_, i) => record(from + i)),
    nextOffset: to,
    batches: { count: 1, bytes: 100 * (to - from), offsets: to - from },
    highWatermark: 150,
    lastStableOffset: -1,
    logStartOffset: 0,
  });
  const options = (
    fetch: KafkaAccess['fetch'],
    more: Partial<RunUnitOptions> = {},
  ): RunUnitOptions => ({
    kafka: { fetch } as unknown as KafkaAccess,
    fetch: { maxBytes: 1_000_000, maxWaitMs: 10 },
    isolation: 'read_uncommitted',
    timeoutMs,
    delivery: { deliver: async (records) => (records.at(-1)?.offset ?? 0) + 1 },
    stopping: () => false,
    closeSignal: new AbortController().signal,
    ...more,
  });
  const never = () => new Promise<never>(() => undefined);
  /** A fetch that finds nothing readable the first time, and the rest of the unit after. */
  const emptyOnce = () => {
    let calls = 0;
    const fetch = (async (request: { offset: number }) => {
      calls += 1;
      return calls === 1
        ? { ...answer(request.offset, request.offset), nextOffset: request.offset }
        : answer(request.offset, 150);
    }) as KafkaAccess['fetch'];
    return { fetch, calls: () => calls };
  };

  test('a fetch with no reply within the call limit, nothing in user code, is the leader unavailable: retried without an attempt', async () => {
    const tired = { ...unit, attempts: 9 };
    const outcome = await runUnit(tired, options(never));
    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect(outcome.error).toBeInstanceOf(NotLeaderError);
    expect(outcome.error).toMatchObject({
      code: KafkaErrorCode.NotLeader,
      topic: 't',
      partition: 0,
      reason: 'no-reply',
    });
    expect((outcome.error as Error).message).toMatch(/no-reply/);
    expect(String((outcome.error as Error).cause)).toMatch(
      `no reply within handlerTimeoutMs (${timeoutMs} ms)`,
    );
    // One attempt short of maxAttempts: not error-listed, its count as it was.
    expect(decideFailure(tired, outcome.error, outcome.progress, 10)).toEqual({
      requeue: [part(100, 50, 9)],
      unavailable: true,
    });
  });

  test('after records were finished, a later fetch with no reply requeues the rest at attempts 0', async () => {
    let calls = 0;
    const fetch = (async (request: { offset: number }) =>
      calls++ === 0 ? answer(request.offset, 120) : never()) as KafkaAccess['fetch'];
    const outcome = await runUnit(unit, options(fetch));
    expect(outcome).toMatchObject({
      kind: 'failed',
      messages: 20,
      progress: { processedUpTo: 120 },
    });
    if (outcome.kind !== 'failed') return;
    expect(outcome.error).toMatchObject({ code: KafkaErrorCode.NotLeader });
    expect(decideFailure(unit, outcome.error, outcome.progress, 3)).toEqual({
      requeue: [part(120, 30, 0)],
      unavailable: true,
    });
  });

  // Only user code overrunning is reported as such (handlerOverrun); a fetch given up on is
  // the partition's unavailability, already reported as the unit's failure.
  test('a fetch given up on at its time is a late fetch, not user code overrunning', async () => {
    let settle: (() => void) | undefined;
    const late = (() =>
      new Promise<never>((_, reject) => {
        settle = () => reject(new Error('request timed out'));
      })) as unknown as KafkaAccess['fetch'];
    const outcome = await runUnit(unit, options(late));
    expect(outcome).toMatchObject({ kind: 'failed', overrun: { of: 'fetch' } });
    if (outcome.kind !== 'failed' || outcome.overrun === undefined) return;
    settle?.();
    await expect(outcome.overrun.settled).resolves.toBeUndefined();

    const fetch = (async () => answer(100, 150)) as KafkaAccess['fetch'];
    const delivery: Delivery = {
      deliver: async (records, context) => {
        context.handing(100, 101);
        await context.race(never());
        return records[0]?.offset ?? 0;
      },
    };
    expect(await runUnit(unit, options(fetch, { delivery }))).toMatchObject({
      kind: 'failed',
      overrun: { of: 'user-code' },
    });
  });

  test('the pause between empty fetches is no call: a limit shorter than it does not fail the unit', async () => {
    const { fetch, calls } = emptyOnce();
    // 5 ms, below the 20 ms pause. The fetch and the delivery here settle within microtasks,
    // before any timer can run, so only a limit on the pause could fail this unit.
    expect(await runUnit(unit, options(fetch, { timeoutMs: 5 }))).toEqual({
      kind: 'done',
      messages: 50,
    });
    expect(calls()).toBe(2);
  });

  test('user code past its time is still its own failure (HandlerTimeoutError), counted', async () => {
    const fetch = (async () => answer(100, 150)) as KafkaAccess['fetch'];
    const delivery: Delivery = {
      deliver: async (records, context) => {
        context.handing(records[0]?.offset ?? 0, (records[0]?.offset ?? 0) + 1);
        await context.race(never());
        return 0;
      },
    };
    const outcome = await runUnit(unit, options(fetch, { delivery }));
    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect(outcome.error).toBeInstanceOf(HandlerTimeoutError);
    const decision = decideFailure(unit, outcome.error, outcome.progress, 3);
    expect(decision.unavailable).toBeUndefined();
    expect(decision.requeue).toEqual([part(100, 50, 1, true)]);
  });

  test('each fetch the leader answered reports the partition served; one it did not, never', async () => {
    const served: number[] = [];
    let calls = 0;
    const fetch = (async (request: { offset: number }) => {
      calls += 1;
      if (calls === 3) throw new NotLeaderError('t', 0, 'not-leader', 1);
      return answer(request.offset, Math.min(150, request.offset + 20));
    }) as KafkaAccess['fetch'];
    const outcome = await runUnit(unit, options(fetch, { served: () => served.push(calls) }));
    expect(outcome).toMatchObject({ kind: 'failed', progress: { processedUpTo: 140 } });
    expect(served).toEqual([1, 2]);
    // An answer with nothing readable is an answer too.
    const empty: number[] = [];
    const nothing = emptyOnce();
    await runUnit(unit, options(nothing.fetch, { served: () => empty.push(nothing.calls()) }));
    expect(empty).toEqual([1, 2]);
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

/**
 * A backoff on a clock only the test moves (`at`), so each wait is exact: no jitter
 * unless `random` gives some.
 */
function clockedBackoff(
  conf: ConstructorParameters<typeof UnavailabilityBackoff>[0],
  random = () => 0,
) {
  let now = 0;
  const backoff = new UnavailabilityBackoff(conf, () => now, random);
  return { backoff, at: (ms: number) => (now = ms) };
}

describe('UnavailabilityBackoff', () => {
  const conf = { retryBackoffMs: 100, maxRetryBackoffMs: 1_000, handlerTimeoutMs: 5_000 };
  // A stretch ends after no failure for maxRetryBackoffMs + handlerTimeoutMs.
  const window = conf.maxRetryBackoffMs + conf.handlerTimeoutMs;

  test('never waits 0, even with both backoffs configured 0: a refusing broker is not asked at network speed', () => {
    const { backoff: zero, at } = clockedBackoff({
      retryBackoffMs: 0,
      maxRetryBackoffMs: 0,
      handlerTimeoutMs: 5_000,
    });
    const waits = Array.from({ length: 5 }, (_, i) => {
      at(i * 10);
      return zero.next('t', 0);
    });
    expect(waits).toEqual([10, 10, 10, 10, 10]);
  });

  test('waits retryBackoffMs at first — for every unit failing with the first — then as long as the stretch has lasted, up to the cap', () => {
    const { backoff, at } = clockedBackoff(conf);
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
    const { backoff, at } = clockedBackoff(conf);
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
    const { backoff, at } = clockedBackoff(conf, () => 1);
    at(0);
    expect(backoff.next('t', 0)).toBe(80);
    at(3_000);
    expect(backoff.next('t', 0)).toBe(800);
  });

  test('an outage of any length is no hot loop: retries of a unit failing at once come at doubling times, then one per capped wait', () => {
    // The worst case: every attempt fails instantly and every wait is 20% short.
    const { backoff, at } = clockedBackoff(conf, () => 1);
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

describe('UnavailabilityBackoff: a stretch ends when the node serves the partition again', () => {
  // The defaults (packages/core/src/config/defaults.ts): without `served`, a stretch would
  // last until maxRetryBackoffMs + handlerTimeoutMs (35 s) passed without a failure.
  const defaults = { retryBackoffMs: 100, maxRetryBackoffMs: 5_000, handlerTimeoutMs: 30_000 };

  test('a leader that merely moves 30 s after a 60 s outage ended waits retryBackoffMs, not the cap', () => {
    const { backoff, at } = clockedBackoff(defaults);
    // A 60 s outage: the partition's units fail every 5 s, the wait grows to the cap.
    for (let t = 0; t <= 60_000; t += 5_000) {
      at(t);
      backoff.next('t', 0);
    }
    expect(backoff.next('t', 0)).toBe(defaults.maxRetryBackoffMs);
    // Kafka is back: a fetch of the partition is answered, then the partition is served
    // fine until its leader moves at 90 s (one NotLeader; the refresh finds the leader).
    at(60_300);
    backoff.served('t', 0);
    at(90_000);
    expect(backoff.next('t', 0)).toBe(defaults.retryBackoffMs);
  });

  test('under ordering partition, leader moves 30 s apart, served between them: each waits retryBackoffMs', () => {
    const { backoff, at } = clockedBackoff(defaults);
    const waits: number[] = [];
    for (let t = 0; t <= 300_000; t += 30_000) {
      at(t);
      waits.push(backoff.next('t', 0));
      at(t + 200); // the retry, after the wait, finds the new leader
      backoff.served('t', 0);
    }
    expect(waits).toEqual(waits.map(() => defaults.retryBackoffMs));
  });

  test('serving a partition ends its own stretch only; serving one never unavailable is a no-op', () => {
    const { backoff, at } = clockedBackoff(defaults);
    at(0);
    backoff.next('t', 0);
    backoff.next('t', 1);
    backoff.served('u', 7);
    at(20_000);
    backoff.served('t', 1);
    expect(backoff.next('t', 0)).toBe(defaults.maxRetryBackoffMs); // still in its stretch
    expect(backoff.next('t', 1)).toBe(defaults.retryBackoffMs); // a new one
    expect(backoff.next('u', 7)).toBe(defaults.retryBackoffMs);
  });

  test('while the partition stays unavailable (nothing served), the wait keeps growing to the cap', () => {
    const { backoff, at } = clockedBackoff(defaults);
    const waits: number[] = [];
    for (const t of [0, 100, 300, 700, 1_500, 3_100, 6_300, 12_700]) {
      at(t);
      waits.push(backoff.next('t', 0));
    }
    expect(waits).toEqual([100, 100, 300, 700, 1_500, 3_100, 5_000, 5_000]);
  });
});

/**
 * Counts every step of every Map iteration (any Map's) while `work` runs, and throws
 * once they exceed `budget`, so a quadratic implementation fails at the budget instead of
 * running for minutes. `work` must be synchronous: nothing else may iterate meanwhile.
 */
function mapIterationSteps(budget: number, work: () => void): number {
  const proto = Object.getPrototypeOf(new Map()[Symbol.iterator]()) as {
    next: (this: Iterator<unknown>) => IteratorResult<unknown>;
  };
  const original = proto.next;
  let steps = 0;
  proto.next = function next(this: Iterator<unknown>) {
    steps += 1;
    if (steps > budget) throw new Error(`more than ${budget} Map iteration steps`);
    return original.call(this);
  };
  try {
    work();
  } finally {
    proto.next = original;
  }
  return steps;
}

describe('UnavailabilityBackoff cost with many partitions', () => {
  const conf = { retryBackoffMs: 100, maxRetryBackoffMs: 1_000, handlerTimeoutMs: 5_000 };
  const window = conf.maxRetryBackoffMs + conf.handlerTimeoutMs;

  test('counting Map iteration steps sees every step of a for-of over a Map', () => {
    const map = new Map([1, 2, 3].map((k) => [k, k]));
    expect(
      mapIterationSteps(100, () => {
        for (const _ of map);
      }),
    ).toBe(4); // three entries and the end
  });

  test('a call is O(1) amortised: a broker leading 50k partitions going down costs at most 3 map steps per call', () => {
    // Counted, not timed. Each call looks at its own partition's entry; the whole map is
    // swept at most once per window. An entry a sweep visits is deleted (once), or
    // survives because its partition failed within the window, so after the sweep before
    // (a window or more earlier): at most one survival per call, one deletion per call,
    // and one end step per sweep (at most one sweep per call): 3 steps per call. Sweeping
    // the whole map on every call costs calls × entries held (up to a window's worth,
    // 6,000 here): about 6e8, past the budget within the first ~800 calls.
    const { backoff, at } = clockedBackoff(conf);
    let now = 0;
    const partitions = 50_000;
    // Each partition fails twice, a call a millisecond: 100 s, about 16 windows.
    const calls = 2 * partitions;
    const budget = 3 * calls;
    const steps = mapIterationSteps(budget, () => {
      for (let round = 0; round < 2; round++) {
        for (let p = 0; p < partitions; p++) {
          now += 1;
          at(now);
          backoff.next('t', p);
        }
      }
    });
    expect(steps).toBeLessThanOrEqual(budget);
    // Work was done: the partitions of the last window are held, and no more.
    expect(backoff.size).toBeGreaterThanOrEqual(window);
    expect(backoff.size).toBeLessThanOrEqual(2 * window + 1);
  });

  test('memory: an entry quiet for a window is gone by the first call a further window later', () => {
    const { backoff, at } = clockedBackoff(conf);
    for (let p = 0; p < 1_000; p++) {
      at(p);
      backoff.next('t', p);
    }
    expect(backoff.size).toBe(1_000);
    // The last failure at 999; quiet for a window, then a further window for the sweep.
    at(999 + 2 * window + 1);
    expect(backoff.next('u', 0)).toBe(conf.retryBackoffMs);
    expect(backoff.size).toBe(1);
  });

  test('an entry past its window counts as a new stretch even before a sweep dropped it', () => {
    const { backoff, at } = clockedBackoff(conf);
    backoff.next('t', 0);
    at(3_000);
    expect(backoff.next('t', 0)).toBe(conf.maxRetryBackoffMs);
    // Another partition's failure a window after the first call: a sweep may run then,
    // and t/0 (last failed at 3 s) survives it.
    at(window + 1);
    backoff.next('t', 1);
    // t/0 quiet for longer than a window, less than a window after that sweep.
    at(3_000 + window + 2);
    expect(backoff.next('t', 0)).toBe(conf.retryBackoffMs);
    // t/1's stretch goes on (since window + 1, 3 s so far): the cap.
    expect(backoff.next('t', 1)).toBe(conf.maxRetryBackoffMs);
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
