import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, isKfError } from '../../errors/index.js';
import { type ConformanceCase, elapsedSince, nameAndCode } from '../context.js';
import { dropConnectionsAndHold, holdWrites, releaseHold } from '../server-holds.js';
import { BLOCKS_MS, caseTimeout, LOAD_MARGIN, REPLY_MS } from '../timing.js';

/** The command timeout the timeout case configures: short, so the case is. */
const SHORT_COMMAND_TIMEOUT_MS = 250;
/**
 * An adapter rejects within this: its timeout, then the timer's callback and the
 * rejection reaching the case, a reply's time at the margin.
 */
const TIMES_OUT_WITHIN_MS = SHORT_COMMAND_TIMEOUT_MS + REPLY_MS * LOAD_MARGIN;
/**
 * How long the server holds the write: past the bound and one reply more, so an adapter
 * that never gives up is answered only once the case can tell it did not.
 */
const WRITE_HELD_MS = TIMES_OUT_WITHIN_MS + REPLY_MS;
/**
 * A timer fires no earlier than set, at millisecond resolution, but counts from its
 * event loop's clock, which may be a few milliseconds behind the moment of the call.
 */
const TIMER_SLACK_MS = 50;

/**
 * How long the server holds every command once the adapter's connections are closed.
 * The adapter notices the close within a turn of its event loop and its reconnection
 * then waits for the hold to end; kept short because sentinels ping the master through
 * it (kf's test sentinels count a master silent for 1 s as down).
 */
const RECONNECTION_HELD_MS = 250;
/** The adapter sees its connections closed one turn of its event loop after the server closed them. */
const DROP_NOTICED_MS = 20;
/**
 * Once the hold ends, the adapter reconnects, logs in and sends the commands: a few
 * round trips, as in opening an adapter.
 */
const RECONNECTS_WITHIN_MS = BLOCKS_MS * LOAD_MARGIN;
/**
 * The command timeout the reconnection case configures: the hold and the reconnection
 * fit in it, so the contract leaves the adapter no reason to fail a command.
 */
const RECONNECTING_COMMAND_TIMEOUT_MS = RECONNECTION_HELD_MS + RECONNECTS_WITHIN_MS;

export const timeoutAndReconnectionCases: ConformanceCase[] = [
  {
    name: 'a command unanswered within the command timeout rejects with CommandTimeoutError',
    settings: { commandTimeoutMs: SHORT_COMMAND_TIMEOUT_MS },
    timeoutMs: caseTimeout(WRITE_HELD_MS),
    async run({ redis, probe, key, expect }) {
      const k = key('held');
      await redis.set(k, 'before');
      await holdWrites(probe, k, WRITE_HELD_MS);
      const started = performance.now();
      let outcome: { value: unknown } | { error: unknown };
      try {
        outcome = { value: await redis.set(k, 'during') };
      } catch (error) {
        outcome = { error };
      } finally {
        await releaseHold(probe, k);
      }
      const elapsed = elapsedSince(started);
      if (!('error' in outcome)) {
        throw new Error(
          `the SET the server held was answered after ${Math.round(elapsed)} ms, when the ` +
            `hold ended, instead of rejecting with CommandTimeoutError at the command ` +
            `timeout: configure the adapter with the factory's settings.commandTimeoutMs ` +
            `(${SHORT_COMMAND_TIMEOUT_MS} ms here), and bound every command by it`,
        );
      }
      const { error } = outcome;
      expect(nameAndCode(error)).toEqual({
        name: 'CommandTimeoutError',
        code: ErrorCode.CommandTimeout,
      });
      expect(isKfError(error, ErrorCode.CommandTimeout)).toBe(true);
      expect((error as { timeoutMs?: unknown }).timeoutMs).toBe(SHORT_COMMAND_TIMEOUT_MS);
      expect(elapsed).toBeGreaterThanOrEqual(SHORT_COMMAND_TIMEOUT_MS - TIMER_SLACK_MS);
      expect(elapsed).toBeLessThan(TIMES_OUT_WITHIN_MS);
    },
  },
  {
    // The connection is closed under the adapter, as a server restart or a network cut
    // would, and its reconnection held up: commands sent meanwhile must wait for it and
    // succeed, not fail because the connection they would have used is gone.
    name: 'commands sent while a lost connection is re-established wait for it and succeed',
    settings: { commandTimeoutMs: RECONNECTING_COMMAND_TIMEOUT_MS },
    timeoutMs: caseTimeout(RECONNECTING_COMMAND_TIMEOUT_MS),
    async run({ redis, probe, key, expect }) {
      const kept = key('kept');
      const written = key('written');
      await redis.set(kept, 'before');
      const dropped = await dropConnectionsAndHold(probe, kept, RECONNECTION_HELD_MS);
      expect(dropped).toBeGreaterThanOrEqual(1);
      // Sent once the adapter knows its connection is gone, so they are not lost with it.
      await delay(DROP_NOTICED_MS);
      const started = performance.now();
      const [read, wrote] = await Promise.all([redis.get(kept), redis.set(written, 'after')]);
      expect(read).toBe('before');
      expect(wrote).toBe(true);
      expect(elapsedSince(started)).toBeLessThan(RECONNECTING_COMMAND_TIMEOUT_MS);
      expect(await probe.command(['GET', written])).toBe('after');
    },
  },
];
