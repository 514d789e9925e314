import type { Logger } from '@kf/protocol';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * How often a condition that persists is logged again at its level. A minute keeps a
 * lasting outage visible in any log window an operator looks at, at one line a minute
 * per condition instead of one per retry (a retry every 100 ms is 600 lines a minute).
 */
export const REPEAT_LOG_INTERVAL_MS = 60_000;

/**
 * Conditions remembered at most: keys that carry an id (a unit's) never repeat, and
 * must not pile up for the life of the process.
 */
const MAX_CONDITIONS = 1_000;

interface Stretch {
  /** When the condition was first seen in this stretch. */
  since: number;
  /** When it was last logged at its level. */
  loggedAt: number;
  /** When it was last seen. */
  seenAt: number;
  /** Times seen in the whole stretch. */
  count: number;
}

/**
 * Logs a condition that repeats (a retry that keeps failing the same way) once at its
 * level, then at most once every `intervalMs` while it persists, with how often it was
 * seen; every occurrence in between goes to debug, so nothing is lost for someone
 * looking closely. A stretch ends with `resolve` (one info line, where the caller knows
 * the condition is over), or silently once the condition was not seen for `intervalMs`:
 * its next occurrence is logged as a new one.
 */
export class RepeatLimiter {
  private readonly stretches = new Map<string, Stretch>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number = REPEAT_LOG_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** One occurrence of the condition `key`. */
  log(key: string, level: LogLevel, fields: object, message: string): void {
    const now = this.now();
    const stretch = this.stretches.get(key);
    if (stretch === undefined || now - stretch.seenAt > this.intervalMs) {
      this.stretches.delete(key);
      this.stretches.set(key, { since: now, loggedAt: now, seenAt: now, count: 1 });
      this.prune(now);
      this.logger[level](fields, message);
      return;
    }
    stretch.count += 1;
    stretch.seenAt = now;
    if (now - stretch.loggedAt < this.intervalMs) {
      this.logger.debug({ ...fields, occurrence: stretch.count }, message);
      return;
    }
    stretch.loggedAt = now;
    const forMs = Math.round(now - stretch.since);
    this.logger[level](
      { ...fields, occurrences: stretch.count, forMs },
      `${message} (still: ${stretch.count} times in ${formatSeconds(forMs)})`,
    );
  }

  /**
   * The condition `key` is over: when it was in a stretch, one info line says so, with
   * how often it was seen and for how long. Nothing when it was not.
   */
  resolve(key: string, fields: object, message: string): void {
    const stretch = this.stretches.get(key);
    if (stretch === undefined) return;
    this.stretches.delete(key);
    const forMs = Math.round(this.now() - stretch.since);
    const times = stretch.count === 1 ? 'once' : `${stretch.count} times`;
    this.logger.info(
      { ...fields, occurrences: stretch.count, forMs },
      `${message} (after it happened ${times} in ${formatSeconds(forMs)})`,
    );
  }

  /** Forgets conditions over (unseen for an interval), then the oldest while too many. */
  private prune(now: number): void {
    if (this.stretches.size <= MAX_CONDITIONS) return;
    for (const [key, stretch] of this.stretches) {
      if (now - stretch.seenAt > this.intervalMs) this.stretches.delete(key);
    }
    for (const key of this.stretches.keys()) {
      if (this.stretches.size <= MAX_CONDITIONS) break;
      this.stretches.delete(key);
    }
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1_000).toFixed(1)} s`;
}
