import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, isKfError } from '../../errors/index.js';
import { awaitedLater, type ConformanceCase, elapsedSince, rejectionOf } from '../context.js';

export const blockingCases: ConformanceCase[] = [
  {
    name: 'listBlockingMove answers null once its timeout passes on an empty list',
    timeoutMs: 15_000,
    async run({ redis, probe, key, expect }) {
      const from = key('empty');
      const to = key('claimed');
      const started = performance.now();
      const moved = await redis.listBlockingMove(from, to, {
        from: 'right',
        to: 'left',
        timeoutMs: 500,
      });
      const elapsed = elapsedSince(started);
      expect(moved).toBeNull();
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(3_000);
      expect(await probe.command(['LLEN', to])).toBe(0);
    },
  },
  {
    name: 'listBlockingMove wakes as soon as an element arrives',
    timeoutMs: 15_000,
    async run({ redis, probe, key, expect }) {
      const from = key('work');
      const to = key('working');
      const started = performance.now();
      const blocked = redis.listBlockingMove(from, to, {
        from: 'right',
        to: 'left',
        timeoutMs: 5_000,
      });
      await delay(300);
      await probe.command(['LPUSH', from, 'unit-1']);
      expect(await blocked).toBe('unit-1');
      expect(elapsedSince(started)).toBeLessThan(3_000);
      expect(await probe.command(['LRANGE', to, 0, -1])).toEqual(['unit-1']);
      expect(await probe.command(['LLEN', from])).toBe(0);
    },
  },
  {
    name: 'a blocked move does not stall other commands of the same adapter',
    timeoutMs: 15_000,
    async run({ redis, key, expect }) {
      const blocked = awaitedLater(
        redis.listBlockingMove(key('idle'), key('claimed'), {
          from: 'right',
          to: 'left',
          timeoutMs: 2_000,
        }),
      );
      await delay(100);
      const started = performance.now();
      await redis.set(key('other'), 'v');
      expect(await redis.get(key('other'))).toBe('v');
      expect(elapsedSince(started)).toBeLessThan(1_000);
      expect(await blocked).toBeNull();
    },
  },
  {
    name: 'concurrent blocked moves each take one element',
    timeoutMs: 15_000,
    async run({ redis, probe, key, expect }) {
      const from = key('work');
      const to = key('working');
      const options = { from: 'right', to: 'left', timeoutMs: 5_000 } as const;
      const first = awaitedLater(redis.listBlockingMove(from, to, options));
      const second = awaitedLater(redis.listBlockingMove(from, to, options));
      await delay(300);
      await probe.command(['LPUSH', from, 'a', 'b']);
      const claimed = [await first, await second].sort();
      expect(claimed).toEqual(['a', 'b']);
      expect(await probe.command(['LLEN', to])).toBe(2);
    },
  },
  {
    name: 'close() while a move is blocked rejects it with ConnectionClosedError',
    timeoutMs: 15_000,
    async run({ redis, key, expect }) {
      const blocked = awaitedLater(
        redis.listBlockingMove(key('never'), key('claimed'), {
          from: 'right',
          to: 'left',
          timeoutMs: 10_000,
        }),
      );
      await delay(200);
      const started = performance.now();
      // Watch the blocked call before closing: an adapter may reject it during close().
      const rejected = rejectionOf(blocked);
      await redis.close();
      const error = await rejected;
      expect(isKfError(error, ErrorCode.ConnectionClosed)).toBe(true);
      expect(elapsedSince(started)).toBeLessThan(3_000);
    },
  },
];
