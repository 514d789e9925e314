import { ErrorCode, isKfError } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { BlockingConnectionPool } from '../src/blocking-pool.js';

// The pool's bookkeeping, on stand-in connections: which are reused, which closed.
function poolOfCounters(maxIdle: number) {
  let opened = 0;
  const shut: number[] = [];
  const pool = new BlockingConnectionPool(
    () => ++opened,
    async (connection: number) => {
      shut.push(connection);
    },
    maxIdle,
  );
  return { pool, shut, opened: () => opened };
}

describe('BlockingConnectionPool', () => {
  test('concurrent tasks get distinct connections; idle ones are reused up to maxIdle', async () => {
    const { pool, shut, opened } = poolOfCounters(1);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen = await Promise.all([
      pool.run(async (c) => {
        await gate;
        return c;
      }),
      pool.run(async (c) => {
        release();
        return c;
      }),
    ]);
    expect(new Set(seen).size).toBe(2);
    expect(shut).toHaveLength(1);
    expect(await pool.run(async (c) => c)).toBe(seen.find((c) => !shut.includes(c)));
    expect(opened()).toBe(2);
  });

  test('a connection whose task failed is closed, not reused', async () => {
    const { pool, shut } = poolOfCounters(4);
    await expect(pool.run(async () => Promise.reject(new Error('broken')))).rejects.toThrow(
      'broken',
    );
    expect(shut).toEqual([1]);
    expect(await pool.run(async (c) => c)).toBe(2);
  });

  test('close() closes idle and busy connections, then refuses new tasks', async () => {
    const { pool, shut } = poolOfCounters(4);
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const busy = pool.run(async () => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    await running;
    await pool.run(async () => undefined); // opens a second connection, left idle
    await pool.close();
    expect(shut.sort()).toEqual([1, 2]);
    await busy;
    const error = await pool.run(async () => undefined).catch((e: unknown) => e);
    expect(isKfError(error, ErrorCode.ConnectionClosed)).toBe(true);
  });
});
