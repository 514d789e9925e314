import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, isKfError } from '../../errors/index.js';
import { clientsServing, type ServerClient } from '../client-list.js';
import { awaitedLater, type ConformanceCase, elapsedSince, rejectionOf } from '../context.js';
import type { Probe } from '../probe.js';
import {
  BLOCKS_MS,
  caseTimeout,
  LOAD_MARGIN,
  REPLY_MS,
  SERVER_DROPS_CLOSED_MS,
  SERVER_TIMER_MS,
} from '../timing.js';

/** How often CLIENT LIST is read while waiting for a move to block or to go. */
const POLL_EVERY_MS = 20;
/** A move is seen blocked on the server within this, or the case fails. */
const BLOCKED_WITHIN_MS = BLOCKS_MS * LOAD_MARGIN;
/**
 * A push answered, the server hands the element to a blocked client in the same turn of
 * its event loop: the move's reply is one round trip behind the push's.
 */
const WAKES_WITHIN_MS = REPLY_MS * LOAD_MARGIN;
/** close() sends at most one command (QUIT) on each connection, all at once. */
const CLOSES_WITHIN_MS = REPLY_MS * LOAD_MARGIN;
/** The server drops a closed client's BLMOVE within this. */
const DROPPED_WITHIN_MS = SERVER_DROPS_CLOSED_MS * LOAD_MARGIN;
/**
 * The timeout of a move that only a push or close() may end: the whole time its case may
 * take (the longest case's limit), so the server never ends it first.
 */
const HELD_MOVE_MS = caseTimeout(BLOCKED_WITHIN_MS, CLOSES_WITHIN_MS, DROPPED_WITHIN_MS);

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

/** Ids of the clients blocked in BLMOVE on the node serving `key` now. */
async function blockedMoves(probe: Probe, key: string): Promise<Set<string>> {
  return new Set((await clientsServing(probe, key)).filter(blockedInMove).map((c) => c.id));
}

/**
 * Waits until `count` moves other than those in `earlier` are blocked in BLMOVE on the
 * node serving `key`, and returns their client ids (all it saw when time ran out). A
 * case that pushes only once its moves are seen blocked tests the wake-up, not a race
 * against the moment the adapter gets its BLMOVE to the server.
 */
async function movesBlocked(
  probe: Probe,
  key: string,
  earlier: Set<string>,
  count: number,
): Promise<string[]> {
  return pollUntil(
    async () =>
      (await clientsServing(probe, key))
        .filter((c) => blockedInMove(c) && !earlier.has(c.id))
        .map((c) => c.id),
    (ids) => ids.length >= count,
    BLOCKED_WITHIN_MS,
  );
}

/** The move's options: its server-side timeout is HELD_MOVE_MS unless given. */
const move = (timeoutMs = HELD_MOVE_MS) => ({ from: 'right', to: 'left', timeoutMs }) as const;

/** An empty list's move: the server answers null once this passes. */
const EMPTY_MOVE_MS = 500;
/** Its timeout, after opening a dedicated connection, the server's timer late, one reply. */
const EMPTY_ANSWERED_WITHIN_MS =
  EMPTY_MOVE_MS + (BLOCKS_MS + SERVER_TIMER_MS + REPLY_MS) * LOAD_MARGIN;

export const blockingCases: ConformanceCase[] = [
  {
    name: 'listBlockingMove answers null once its timeout passes on an empty list',
    timeoutMs: caseTimeout(EMPTY_ANSWERED_WITHIN_MS),
    async run({ redis, probe, key, expect }) {
      const from = key('empty');
      const to = key('claimed');
      const started = performance.now();
      const moved = await redis.listBlockingMove(from, to, move(EMPTY_MOVE_MS));
      const elapsed = elapsedSince(started);
      expect(moved).toBeNull();
      // The server's deadline counts from its receipt of the command, after `started`;
      // 50 ms covers timers rounded to milliseconds and seconds sent as decimals.
      expect(elapsed).toBeGreaterThanOrEqual(EMPTY_MOVE_MS - 50);
      expect(elapsed).toBeLessThan(EMPTY_ANSWERED_WITHIN_MS);
      expect(await probe.command(['LLEN', to])).toBe(0);
    },
  },
  {
    name: 'listBlockingMove wakes as soon as an element arrives',
    timeoutMs: caseTimeout(BLOCKED_WITHIN_MS, WAKES_WITHIN_MS),
    async run({ redis, probe, key, expect }) {
      const from = key('work');
      const to = key('working');
      const earlier = await blockedMoves(probe, from);
      const blocked = awaitedLater(redis.listBlockingMove(from, to, move()));
      expect((await movesBlocked(probe, from, earlier, 1)).length).toBe(1);
      const pushed = performance.now();
      await probe.command(['LPUSH', from, 'unit-1']);
      expect(await blocked).toBe('unit-1');
      expect(elapsedSince(pushed)).toBeLessThan(WAKES_WITHIN_MS);
      expect(await probe.command(['LRANGE', to, 0, -1])).toEqual(['unit-1']);
      expect(await probe.command(['LLEN', from])).toBe(0);
    },
  },
  {
    name: 'a blocked move does not stall other commands of the same adapter',
    timeoutMs: caseTimeout(BLOCKED_WITHIN_MS, 2 * REPLY_MS * LOAD_MARGIN, WAKES_WITHIN_MS),
    async run({ redis, probe, key, expect }) {
      const from = key('idle');
      const earlier = await blockedMoves(probe, from);
      const blocked = awaitedLater(redis.listBlockingMove(from, key('claimed'), move()));
      expect((await movesBlocked(probe, from, earlier, 1)).length).toBe(1);
      // The move stays blocked until the push below: both commands run while it is.
      const started = performance.now();
      await redis.set(key('other'), 'v');
      expect(await redis.get(key('other'))).toBe('v');
      expect(elapsedSince(started)).toBeLessThan(2 * REPLY_MS * LOAD_MARGIN);
      await probe.command(['LPUSH', from, 'unit-1']);
      expect(await blocked).toBe('unit-1');
    },
  },
  {
    name: 'concurrent blocked moves each take one element',
    timeoutMs: caseTimeout(BLOCKED_WITHIN_MS, WAKES_WITHIN_MS),
    async run({ redis, probe, key, expect }) {
      const from = key('work');
      const to = key('working');
      const earlier = await blockedMoves(probe, from);
      const first = awaitedLater(redis.listBlockingMove(from, to, move()));
      const second = awaitedLater(redis.listBlockingMove(from, to, move()));
      expect((await movesBlocked(probe, from, earlier, 2)).length).toBe(2);
      await probe.command(['LPUSH', from, 'a', 'b']);
      const claimed = [await first, await second].sort();
      expect(claimed).toEqual(['a', 'b']);
      expect(await probe.command(['LLEN', to])).toBe(2);
    },
  },
  {
    name: 'close() while a move is blocked rejects it with ConnectionClosedError',
    timeoutMs: caseTimeout(BLOCKED_WITHIN_MS, CLOSES_WITHIN_MS),
    async run({ redis, probe, key, expect }) {
      const from = key('never');
      const earlier = await blockedMoves(probe, from);
      const blocked = awaitedLater(redis.listBlockingMove(from, key('claimed'), move()));
      expect((await movesBlocked(probe, from, earlier, 1)).length).toBe(1);
      const started = performance.now();
      // Watch the blocked call before closing: an adapter may reject it during close().
      const rejected = rejectionOf(blocked);
      await redis.close();
      const error = await rejected;
      expect(isKfError(error, ErrorCode.ConnectionClosed)).toBe(true);
      expect(elapsedSince(started)).toBeLessThan(CLOSES_WITHIN_MS);
    },
  },
  {
    // Rejecting the call is not enough: a BLMOVE the server still holds after close()
    // moves the next element into the destination of a client that has gone, where in
    // kf no one will ever process it.
    name: 'close() while a move is blocked ends it on the server: an element pushed afterwards stays in the source',
    timeoutMs: caseTimeout(BLOCKED_WITHIN_MS, CLOSES_WITHIN_MS, DROPPED_WITHIN_MS),
    async run({ redis, probe, key, expect }) {
      const from = key('work');
      const to = key('working');
      const earlier = await blockedMoves(probe, from);
      // Outlasts the case: only close() may end this BLMOVE.
      const blocked = awaitedLater(redis.listBlockingMove(from, to, move()));
      // Seeing the move blocked first proves the probe asks the node holding it, so the
      // check that it is gone cannot pass by looking elsewhere.
      const ours = await movesBlocked(probe, from, earlier, 1);
      expect(ours.length).toBe(1);
      const rejected = rejectionOf(blocked);
      await redis.close();
      expect(isKfError(await rejected, ErrorCode.ConnectionClosed)).toBe(true);
      // close() resolves once the adapter's sockets are closed; the server drops the
      // client, and its BLMOVE with it, when it reads the end of the socket.
      const remaining = await pollUntil(
        async () => (await clientsServing(probe, from)).filter((c) => ours.includes(c.id)),
        (clients) => clients.length === 0,
        DROPPED_WITHIN_MS,
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
