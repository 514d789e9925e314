import { describe, expect, test } from 'vitest';
import { parseInfo, waitUntil } from '../src/index.js';

describe('waitUntil', () => {
  test('returns the first defined value of the probe', async () => {
    let calls = 0;
    const value = await waitUntil(async () => (++calls >= 3 ? calls : undefined), {
      what: 'three calls',
      timeoutMs: 2_000,
      intervalMs: 1,
    });
    expect(value).toBe(3);
  });

  test('times out naming what it waited for and the last error', async () => {
    const wait = waitUntil(
      async () => {
        throw new Error('connection refused');
      },
      { what: 'a server', timeoutMs: 50, intervalMs: 5 },
    );
    await expect(wait).rejects.toThrow(
      'a server: not ready after 50 ms (last error: connection refused)',
    );
  });

  test('stops at once when the abort check gives a reason', async () => {
    const started = Date.now();
    const wait = waitUntil(async () => undefined, {
      what: 'a broker',
      timeoutMs: 10_000,
      abortIf: () => 'the process exited',
    });
    await expect(wait).rejects.toThrow('a broker: the process exited');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('parseInfo', () => {
  test('reads key:value lines and skips section headers', () => {
    const info = parseInfo('# Cluster\r\ncluster_state:ok\r\ncluster_slots_ok:16384\r\n');
    expect(info).toEqual({ cluster_state: 'ok', cluster_slots_ok: '16384' });
  });
});
