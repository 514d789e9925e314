import type { RedisConfig } from '@kf/core';
import type { GroupPause } from './group-pause.js';
import type { PauseNote } from './pause-note.js';

/** Over the three command timeouts: the round trips themselves, and a late timer. */
export const RESET_PAUSE_MARGIN_MS = 5_000;

/** The adapters' own command timeout when the config sets none (see `redis.timeout`). */
const ADAPTER_COMMAND_TIMEOUT_MS = 10_000;
const CLUSTER_NODE_TIMEOUT_MS = 15_000;

/**
 * How long an offsets reset's own pause lasts at most. Between setting it and lifting it
 * the reset waits for three answers, the saved offsets', its script's and the release's,
 * each bounded by the Redis command timeout; the margin covers the rest. So a reset that dies in between
 * (a killed process, a connection that never came back) leaves the group paused that long
 * at most, never for good.
 */
export function resetPauseTtlMs(redis: RedisConfig): number {
  return 3 * commandTimeoutMs(redis) + RESET_PAUSE_MARGIN_MS;
}

function commandTimeoutMs(redis: RedisConfig): number {
  if (redis.timeout !== undefined) return redis.timeout;
  if (redis.topology !== 'cluster') return ADAPTER_COMMAND_TIMEOUT_MS;
  // The cluster adapter's default rides out a fail-over: twice the node timeout plus 2 s.
  const nodeTimeoutMs = redis.clusterNodeTimeout ?? CLUSTER_NODE_TIMEOUT_MS;
  return Math.max(ADAPTER_COMMAND_TIMEOUT_MS, 2 * nodeTimeoutMs + 2_000);
}

/** How the group was paused around a reset, once the reset let go of it. */
export type PauseAround =
  /** The reset paused it and lifted its pause (or the pause lapsed and nobody paused since). */
  | { pause: 'reset' }
  /** It was paused before the reset and stays paused. */
  | { pause: 'already' }
  /** Someone paused it while the reset ran, taking its pause over: it stays paused. */
  | { pause: 'paused-meanwhile'; pausedBy: PauseNote }
  /** The reset's pause could not be lifted: it lapses on its own at `lapsesAt` (ms). */
  | { pause: 'release-failed'; error: string; lapsesAt: number };

export interface ResetPause {
  /** Lets go of the pause (once: later calls get the first outcome); never rejects. */
  release(): Promise<PauseAround>;
}

/**
 * Pauses the group for a reset, for `ttlMs` at most, unless it is paused already (then
 * the pause is someone else's, and the reset leaves it alone).
 */
export async function holdResetPause(
  pause: GroupPause,
  by: string,
  ttlMs: number,
): Promise<ResetPause> {
  const note = await pause.pauseTemporarily(`${by} (offsets reset)`, ttlMs);
  // Read after the pause was set: the pause lapses no later than this.
  const lapsesAt = Date.now() + ttlMs;
  const lift = async (): Promise<PauseAround> => {
    if (note === null) return { pause: 'already' };
    try {
      const outcome = await pause.resumeIf(note);
      return outcome.lifted
        ? { pause: 'reset' }
        : { pause: 'paused-meanwhile', pausedBy: outcome.pausedBy };
    } catch (error) {
      return { pause: 'release-failed', error: messageOf(error), lapsesAt };
    }
  };
  let released: Promise<PauseAround> | undefined;
  return {
    release() {
      released ??= lift();
      return released;
    },
  };
}

/** What a person needs to know about the pause after a reset, when anything. */
export function describePause(around: PauseAround): string | undefined {
  switch (around.pause) {
    case 'release-failed':
      return `the reset's pause could not be lifted (${around.error}): nothing new is scheduled until it lapses at ${new Date(around.lapsesAt).toISOString()}, or until a resume (kf resume) lifts it`;
    case 'paused-meanwhile':
      return `${around.pausedBy.by} paused the group while the reset ran, and it stays paused until a resume (kf resume)`;
    default:
      return undefined;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
