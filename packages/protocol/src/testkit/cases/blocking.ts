import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, isKfError } from '../../errors/index.js';
import { awaitedLater, type ConformanceCase, elapsedSince, rejectionOf } from '../context.js';
import type { Probe } from '../probe.js';

/**
 * How long an adapter takes to open a dedicated connection and block on it: a Sentinel
 * adapter asks a sentinel for the master first, which node-redis's does in about 0.5 s.
 */
const BLOCKS_MS = 500;
/**
 * How long the server takes to drop a client whose loopback socket closed, and the
 * blocked command with it: one turn of its event loop.
 */
const SERVER_DROPS_CLOSED_MS = 100;
/** Room for a loaded two-core machine whose other suites run servers of their own. */
const LOAD_MARGIN = 10;
const POLL_EVERY_MS = 20;

interface ServerClient {
  id: string;
  cmd: string;
  flags: string;
  line: string;
}

/**
 * CLIENT LIST of the node a blocking command on `key` goes to: on a cluster the master
 * of its slot, which MOVED cannot route a keyless command to.
 */
async function clientsServing(probe: Probe, key: string): Promise<ServerClient[]> {
  const list = String(await probe.onMasterOf(key, ['CLIENT', 'LIST']));
  return list
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const fields = new Map(
        line.split(' ').map((field) => {
          const at = field.indexOf('=');
          return [field.slice(0, at), field.slice(at + 1)] as const;
        }),
      );
      return {
        id: fields.get('id') ?? '',
        cmd: fields.get('cmd') ?? '',
        flags: fields.get('flags') ?? '',
        line,
      };
    });
}

function blockedInMove(client: ServerClient): boolean {
  return client.cmd === 'blmove' && client.flags.includes('b');
}

/** Reads until `done` holds or `withinMs` passed, and returns the last reading. */
async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  withinMs: number,
): Promise<T> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const value = await read();
    if (done(value) || performance.now() >= deadline) return value;
    await delay(POLL_EVERY_MS);
  }
}

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
  {
    // Rejecting the call is not enough: a BLMOVE the server still holds after close()
    // moves the next element into the destination of a client that has gone, where in
    // kf no one will ever process it.
    name: 'close() while a move is blocked ends it on the server: an element pushed afterwards stays in the source',
    timeoutMs: 15_000,
    async run({ redis, probe, key, expect }) {
      const from = key('work');
      const to = key('working');
      const earlier = new Set(
        (await clientsServing(probe, from)).filter(blockedInMove).map((c) => c.id),
      );
      const blocked = awaitedLater(
        redis.listBlockingMove(from, to, {
          from: 'right',
          to: 'left',
          // Outlasts the case: only close() may end this BLMOVE.
          timeoutMs: 60_000,
        }),
      );
      // Seeing the move blocked first proves the probe asks the node holding it, so the
      // check that it is gone cannot pass by looking elsewhere.
      const ours = await pollUntil(
        async () =>
          (await clientsServing(probe, from))
            .filter((c) => blockedInMove(c) && !earlier.has(c.id))
            .map((c) => c.id),
        (ids) => ids.length > 0,
        BLOCKS_MS * LOAD_MARGIN,
      );
      expect(ours.length).toBe(1);
      const rejected = rejectionOf(blocked);
      await redis.close();
      expect(isKfError(await rejected, ErrorCode.ConnectionClosed)).toBe(true);
      // close() resolves once the adapter's sockets are closed; the server drops the
      // client, and its BLMOVE with it, when it reads the end of the socket.
      const remaining = await pollUntil(
        async () => (await clientsServing(probe, from)).filter((c) => ours.includes(c.id)),
        (clients) => clients.length === 0,
        SERVER_DROPS_CLOSED_MS * LOAD_MARGIN,
      );
      // One string, its cause first: runners cut a long actual value short in the message.
      expect(
        remaining.map((c) => `still open: cmd=${c.cmd} flags=${c.flags} ${c.line}`).join('\n'),
      ).toBe('');
      await probe.command(['LPUSH', from, 'unit-after-close']);
      // The server serves blocked clients before it answers a push, so a BLMOVE still
      // alive would already have moved the element: no wait is needed to see it.
      expect(await probe.command(['LRANGE', from, 0, -1])).toEqual(['unit-after-close']);
      expect(await probe.command(['LLEN', to])).toBe(0);
    },
  },
];
