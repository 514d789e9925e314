import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { limitCalls } from '../src/worker/abort-race.js';

const never = () => new Promise<never>(() => undefined);

describe('limitCalls: one time limit per call of a unit', () => {
  test('a call past its time is rejected with the limit error, and the call is an overrun until it settles', async () => {
    const outer = new AbortController();
    const limit = limitCalls(outer.signal, 20, () => new Error('past 20 ms'));
    let finish: () => void = () => undefined;
    const call = new Promise<void>((resolve) => {
      finish = resolve;
    });
    await expect(limit.race(call)).rejects.toThrow('past 20 ms');
    expect(limit.signal.aborted).toBe(true);
    const overrun = limit.overrun();
    expect(overrun).toBeDefined();
    finish();
    await overrun?.settled;
    expect(limit.overrun()).toBeUndefined();
    limit.dispose();
  });

  test('calls that each finish in time never meet the limit, however many there are', async () => {
    const outer = new AbortController();
    const limit = limitCalls(outer.signal, 30, () => new Error('too slow'));
    // Together far longer than the limit; each one well inside it.
    for (let i = 0; i < 10; i++) {
      await limit.race(new Promise((resolve) => setTimeout(resolve, 10)));
    }
    expect(limit.signal.aborted).toBe(false);
    limit.dispose();
  });

  test('the outer signal aborts the call in flight, and dispose() leaves no listener on it', async () => {
    const outer = new AbortController();
    const limits = Array.from({ length: 100 }, () =>
      limitCalls(outer.signal, 1_000, () => new Error('unused')),
    );
    for (const limit of limits.slice(1)) limit.dispose();
    // A listener per unit left on the node's long-lived close signal kept every unit's
    // state alive until close: a few KB a unit.
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(1);
    const inFlight = limits[0]?.race(never());
    outer.abort(new Error('closing'));
    await expect(inFlight).rejects.toThrow('closing');
    limits[0]?.dispose();
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
  });
});
