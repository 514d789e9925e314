import { describe, expect, test } from 'vitest';
import { UnitSlots } from '../src/worker/unit-slots.js';

/** A promise settled from outside, standing for a unit's work or a hand-back. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve: () => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` settled within the microtasks and one macrotask queued now. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('UnitSlots: the worker pool slots and the work a close waits for', () => {
  test('hands out at most size slots at once, and a release wakes one waiter', async () => {
    const slots = new UnitSlots(2);
    const first = await slots.acquire();
    const second = await slots.acquire();
    expect(slots.busy).toBe(2);
    const third = slots.acquire();
    expect(await settledSoon(third)).toBe(false);
    first?.();
    expect(await settledSoon(third)).toBe(true);
    expect(slots.busy).toBe(2);
    second?.();
    (await third)?.();
    expect(slots.busy).toBe(0);
  });

  test('work tracked without a slot (a hand-back after its backoff) never keeps a waiter waiting', async () => {
    const slots = new UnitSlots(1);
    const unit = await slots.acquire();
    const handBack = deferred();
    void slots.track(handBack.promise);
    // The claim loop waits for a slot while the only unit runs and a hand-back retries.
    const waiting = slots.acquire();
    unit?.();
    // The hand-back is still going: the freed slot must reach the waiter regardless.
    expect(await settledSoon(waiting)).toBe(true);
    expect(typeof (await waiting)).toBe('function');
    handBack.resolve();
  });

  test('a release called twice frees one slot, not two', async () => {
    const slots = new UnitSlots(1);
    const release = await slots.acquire();
    release?.();
    release?.();
    expect(slots.busy).toBe(0);
    await slots.acquire();
    expect(await settledSoon(slots.acquire())).toBe(false);
  });

  test('close() resolves a waiting acquire with undefined, and every later one', async () => {
    const slots = new UnitSlots(1);
    await slots.acquire();
    const waiting = slots.acquire();
    slots.close();
    expect(await waiting).toBeUndefined();
    expect(await slots.acquire()).toBeUndefined();
  });

  test('drain() waits for tracked work, also work tracked while it waits, failed or not', async () => {
    const slots = new UnitSlots(1);
    const a = deferred();
    const b = deferred();
    void slots.track(a.promise).catch(() => undefined);
    const drained = slots.drain();
    expect(slots.pending).toBe(1);
    void slots.track(b.promise);
    a.reject(new Error('settlement gave up'));
    expect(await settledSoon(drained)).toBe(false);
    b.resolve();
    await drained;
    expect(slots.pending).toBe(0);
  });

  test('refuses a size that is not a positive integer', () => {
    expect(() => new UnitSlots(0)).toThrow(/size must be an integer >= 1, got 0/);
    expect(() => new UnitSlots(1.5)).toThrow(RangeError);
  });
});
