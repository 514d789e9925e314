import { describe, expect, test } from 'vitest';
import { parseInfo, waitUntil } from '../src/index.js';

/** How often the waits below probe: often, so they end in a few milliseconds. */
const INTERVAL_MS = 10;
/**
 * The bound on anything that should take a few intervals here: a hundred intervals,
 * room for a loaded machine's timers.
 */
const PROMPT_MS = 100 * INTERVAL_MS;
/** A wait that must end for another reason first is given ten times PROMPT_MS. */
const LONG_WAIT_MS = 10 * PROMPT_MS;

describe('waitUntil', () => {
  test('returns the first defined value of the probe', async () => {
    let calls = 0;
    const value = await waitUntil(async () => (++calls >= 3 ? calls : undefined), {
      what: 'three calls',
      timeoutMs: PROMPT_MS,
      intervalMs: INTERVAL_MS,
    });
    expect(value).toBe(3);
  });

  test('times out naming what it waited for and the last error', async () => {
    const wait = waitUntil(
      async () => {
        throw new Error('connection refused');
      },
      // Five probes' worth, so the last error is one of several.
      { what: 'a server', timeoutMs: 5 * INTERVAL_MS, intervalMs: INTERVAL_MS },
    );
    await expect(wait).rejects.toThrow(
      `a server: not ready after ${5 * INTERVAL_MS} ms (last error: connection refused)`,
    );
  });

  test('stops at once when the abort check gives a reason', async () => {
    const started = Date.now();
    const wait = waitUntil(async () => undefined, {
      what: 'a broker',
      timeoutMs: LONG_WAIT_MS,
      abortIf: () => 'the process exited',
    });
    await expect(wait).rejects.toThrow('a broker: the process exited');
    expect(Date.now() - started).toBeLessThan(PROMPT_MS);
  });

  test('stops while an attempt is under way, without waiting for it to end', async () => {
    let exited = false;
    const started = Date.now();
    const wait = waitUntil(
      // An attempt that never ends, as a probe to a port whose holder never answers;
      // the process it waits for exits a few intervals in.
      () => {
        setTimeout(() => {
          exited = true;
        }, 5 * INTERVAL_MS);
        return new Promise<undefined>(() => undefined);
      },
      {
        what: 'a server',
        timeoutMs: LONG_WAIT_MS,
        intervalMs: INTERVAL_MS,
        abortIf: () => (exited ? 'the process exited' : undefined),
      },
    );
    await expect(wait).rejects.toThrow('a server: the process exited');
    expect(Date.now() - started).toBeLessThan(PROMPT_MS);
  });
});

describe('parseInfo', () => {
  test('reads key:value lines and skips section headers', () => {
    const info = parseInfo('# Cluster\r\ncluster_state:ok\r\ncluster_slots_ok:16384\r\n');
    expect(info).toEqual({ cluster_state: 'ok', cluster_slots_ok: '16384' });
  });
});
