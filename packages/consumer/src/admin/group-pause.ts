import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';
import { decodePauseNote, encodePauseNote, type PauseNote } from './pause-note.js';

export interface PauseResult {
  /** False when the group was paused already: the note kept is the first pauser's. */
  paused: boolean;
  note: PauseNote;
}

export interface ResumeResult {
  /** False when the group was not paused. */
  resumed: boolean;
  /** The note of the pause lifted. */
  note: PauseNote | null;
}

/** Group-wide pause: while the key is present the leader schedules nothing new. */
export interface GroupPause {
  pause(by: string): Promise<PauseResult>;
  resume(): Promise<ResumeResult>;
  /** Lifts the pause only if `note` is still the one set. */
  resumeIf(note: PauseNote): Promise<boolean>;
}

export function groupPause(redis: IRedis, keys: GroupKeys): GroupPause {
  const pause = async (by: string): Promise<PauseResult> => {
    const note = { by, at: Date.now() };
    if (await redis.set(keys.paused, encodePauseNote(note), { onlyIfAbsent: true })) {
      return { paused: true, note };
    }
    const current = await redis.get(keys.paused);
    // Resumed between the two calls: pausing is still what was asked.
    if (current === null) return pause(by);
    return { paused: false, note: decodePauseNote(current) };
  };
  return {
    pause,
    async resume() {
      const current = await redis.get(keys.paused);
      if (current === null) return { resumed: false, note: null };
      await redis.del(keys.paused);
      return { resumed: true, note: decodePauseNote(current) };
    },
    async resumeIf(note) {
      const reply = await redis.evalScript(
        scripts.resumeIfOwner,
        [keys.paused],
        [encodePauseNote(note)],
      );
      const { status } = statusReply(scripts.resumeIfOwner, reply, [
        ScriptStatus.Done,
        ScriptStatus.Stale,
      ]);
      return status === ScriptStatus.Done;
    },
  };
}

/**
 * Pauses the group for an offset reset unless it is paused already; `release` resumes
 * it only when this pause is still the one in place.
 */
export async function pauseForReset(
  pause: GroupPause,
  by: string,
): Promise<{ pausedByReset: boolean; release(): Promise<void> }> {
  const result = await pause.pause(`${by} (offsets reset)`);
  return {
    pausedByReset: result.paused,
    release: async () => {
      if (result.paused) await pause.resumeIf(result.note);
    },
  };
}
