import type { ListSide, ScoreRangeOptions, SetOptions } from '@kf/protocol';

export function sideArg(side: ListSide): 'LEFT' | 'RIGHT' {
  return side === 'left' ? 'LEFT' : 'RIGHT';
}

/** SET's flags, in the order Redis documents them. */
export function setFlags(options: SetOptions = {}): string[] {
  const flags: string[] = [];
  if (options.onlyIfAbsent) flags.push('NX');
  if (options.onlyIfPresent) flags.push('XX');
  if (options.expireMs !== undefined) flags.push('PX', String(options.expireMs));
  return flags;
}

/** A score as Redis parses it: `String(Infinity)` is not one of its spellings. */
export function scoreArg(score: number | '-inf' | '+inf'): string {
  if (score === Number.POSITIVE_INFINITY) return '+inf';
  if (score === Number.NEGATIVE_INFINITY) return '-inf';
  return String(score);
}

export function rangeByScoreArgs(options: ScoreRangeOptions): string[] {
  const args = [scoreArg(options.min), scoreArg(options.max), 'WITHSCORES'];
  if (options.count !== undefined) args.push('LIMIT', '0', String(options.count));
  return args;
}

/** BLMOVE takes seconds, with decimals since Redis 6. */
export function blockingSeconds(timeoutMs: number): string {
  return String(timeoutMs / 1_000);
}
