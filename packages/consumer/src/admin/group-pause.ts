import type { GroupKeys } from '@kf/core';
import { type IRedis, ScriptError, type ScriptReply } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { decodePauseNote, encodePauseNote, type PauseNote } from './pause-note.js';

export interface PauseResult {
  /** False when the group was paused already: the note kept is the first pauser's. */
  paused: boolean;
  /** The note in place now. */
  note: PauseNote;
  /**
   * The note of an offsets reset's temporary pause this pause took over: the group stays
   * paused when that reset ends (it lifts only its own pause).
   */
  tookOver?: PauseNote;
}

export interface ResumeResult {
  /** False when the group was not paused. */
  resumed: boolean;
  /** The note of the pause lifted. */
  note: PauseNote | null;
}

/** What became of a temporary pause its setter tried to lift. */
export type ReleaseOutcome =
  /** Lifted, or it had lapsed on its own and nobody paused since. */
  | { lifted: true }
  /** Someone paused the group meanwhile (taking the pause over): it stays paused. */
  | { lifted: false; pausedBy: PauseNote };

/** Group-wide pause: while the key is present the leader schedules nothing new. */
export interface GroupPause {
  /**
   * Pauses the group until someone resumes it. A reset's temporary pause found in place is
   * taken over (`tookOver`); anyone else's pause is kept (`paused: false`).
   */
  pause(by: string): Promise<PauseResult>;
  /**
   * Pauses the group for at most `ttlMs` unless it is paused already: `null` then, with
   * nothing changed.
   */
  pauseTemporarily(by: string, ttlMs: number): Promise<PauseNote | null>;
  resume(): Promise<ResumeResult>;
  /** Lifts the pause only if `note` is still the one set. */
  resumeIf(note: PauseNote): Promise<ReleaseOutcome>;
}

export function groupPause(redis: IRedis, keys: GroupKeys): GroupPause {
  return {
    async pause(by) {
      const note = { by, at: Date.now() };
      const reply = await redis.evalScript(
        scripts.pauseGroup,
        [keys.paused],
        [encodePauseNote(note)],
      );
      const [status, previous = ''] = pair(scripts.pauseGroup.name, reply);
      if (status === ScriptStatus.Stale) return { paused: false, note: decodePauseNote(previous) };
      return previous === ''
        ? { paused: true, note }
        : { paused: true, note, tookOver: decodePauseNote(previous) };
    },
    async pauseTemporarily(by, ttlMs) {
      const note = { by, at: Date.now() };
      const set = await redis.set(keys.paused, encodePauseNote(note), {
        onlyIfAbsent: true,
        expireMs: ttlMs,
      });
      return set ? note : null;
    },
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
      const [status, current = ''] = pair(scripts.resumeIfOwner.name, reply);
      return status === ScriptStatus.Done || current === ''
        ? { lifted: true }
        : { lifted: false, pausedBy: decodePauseNote(current) };
    },
  };
}

/** `{Done | Stale, text?}`, as the pause scripts reply. */
function pair(script: string, reply: ScriptReply): [ScriptStatus, string | undefined] {
  if (Array.isArray(reply)) {
    const [status, text] = reply;
    if (
      (status === ScriptStatus.Done || status === ScriptStatus.Stale) &&
      (text === undefined || typeof text === 'string')
    ) {
      return [status, text];
    }
  }
  throw new ScriptError(script, `unexpected reply ${JSON.stringify(reply)}`);
}
