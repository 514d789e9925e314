import type { OffsetResetResult } from '@kf/consumer';
import { describe, expect, test } from 'vitest';
import { renderReset, resetFailure } from '../src/commands/offsets.js';

/** A reset whose offsets moved, then whose pause could not be lifted. */
const moved: OffsetResetResult = {
  topic: 'orders',
  dryRun: false,
  partitions: [{ partition: 2, from: 17500, to: 10000, logStart: 0, logEnd: 17500 }],
  dropped: [
    { partition: 2, offset: 13750, len: 1875 },
    { partition: 2, offset: 15625, len: 1875 },
  ],
  droppedUnreadable: [
    {
      partition: 2,
      raw: '{"v":2,"id":"orders/2/9000~x","topic":"orders","partition":2}',
      reason: 'v: format version 2 is newer than this kf reads (1); upgrade this node',
    },
  ],
  inFlightUnits: null,
  pause: 'release-failed',
  pauseLapsesAt: Date.UTC(2026, 10, 30, 20, 0, 20),
  warnings: [
    "the reset's pause could not be lifted (Redis EVALSHA failed: connection lost): nothing new is scheduled until it lapses at 2026-11-30T20:00:20.000Z, or until a resume (kf resume) lifts it",
    'the units still claimed by nodes could not be counted: connection lost',
  ],
};

describe('what kf prints after a reset', () => {
  test('a reset that moved the offsets but could not lift its pause: the move, every dropped unit, and one line to exit 1 with', () => {
    expect(renderReset(moved).split('\n')).toEqual([
      'moved the saved offsets of orders (scheduling was paused for the move; that pause could not be lifted and lapses at 2026-11-30T20:00:20.000Z, or kf resume lifts it)',
      expect.any(String),
      expect.any(String),
      expect.stringMatching(/orders\/2\s+│ 17500 → 10000/),
      expect.any(String),
      'dropped 3 queued units (offsets 2:13750..17499)',
      '  not readable by this kf (v: format version 2 is newer than this kf reads (1); upgrade this node), as queued: {"v":2,"id":"orders/2/9000~x","topic":"orders","partition":2}',
      'units already claimed by nodes: could not be counted',
    ]);
    const failure = resetFailure(moved);
    expect(failure?.exitCode).toBe(1);
    expect(failure?.message).toBe(
      `the offsets were moved, but ${moved.warnings[0]}; and ${moved.warnings[1]}`,
    );
    expect(resetFailure({ ...moved, pause: 'reset', warnings: [] })).toBeUndefined();
  });
});
