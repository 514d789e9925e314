import type { ListSide, ScoreRangeOptions, ScriptArg, SetOptions } from '@kf/protocol';

/** Building the arguments of the commands `IRedis` maps onto. */

export function side(value: ListSide): 'LEFT' | 'RIGHT' {
  return value === 'left' ? 'LEFT' : 'RIGHT';
}

export function setArgs(key: string, value: string, options: SetOptions = {}): string[] {
  const args = ['SET', key, value];
  if (options.onlyIfAbsent) args.push('NX');
  if (options.onlyIfPresent) args.push('XX');
  if (options.expireMs !== undefined) args.push('PX', String(options.expireMs));
  return args;
}

/** A score as Redis reads it; infinities spelled its way. */
export function scoreArg(score: number | '-inf' | '+inf'): string {
  if (score === Number.POSITIVE_INFINITY) return '+inf';
  if (score === Number.NEGATIVE_INFINITY) return '-inf';
  return String(score);
}

export function rangeByScoreArgs(key: string, options: ScoreRangeOptions): string[] {
  const args = ['ZRANGEBYSCORE', key, scoreArg(options.min), scoreArg(options.max), 'WITHSCORES'];
  if (options.count !== undefined) args.push('LIMIT', '0', String(options.count));
  return args;
}

/**
 * BLMOVE's timeout is in seconds, decimals allowed. It is rounded up to whole
 * milliseconds, and to at least one: Redis reads a timeout that rounds to 0 as "block
 * forever", the opposite of what a tiny timeout asks for.
 */
export function blockingSeconds(timeoutMs: number): string {
  return String(Math.max(1, Math.ceil(timeoutMs)) / 1000);
}

export function scriptArgs(keys: string[], args: ScriptArg[]): string[] {
  return [String(keys.length), ...keys, ...args.map(String)];
}
