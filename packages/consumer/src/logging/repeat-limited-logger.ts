import type { Logger } from '@kf/protocol';
import { type LogLevel, REPEAT_LOG_INTERVAL_MS, RepeatLimiter } from './repeat-limiter.js';

/**
 * Wraps a logger so a warning or error that repeats is logged once, then at most once
 * every `intervalMs` while it keeps coming, with a count (`RepeatLimiter`). A line
 * repeats when its level, message and plain fields (strings, numbers, booleans: the
 * topic, the node) are the same; the error it carries may differ, as a retry's does.
 * The lines in between go to debug. Debug and info lines pass as they are: info lines
 * are changes of state, not retries.
 */
export function repeatLimitedLogger(
  logger: Logger,
  intervalMs: number = REPEAT_LOG_INTERVAL_MS,
): Logger {
  const limiter = new RepeatLimiter(logger, intervalMs);
  const limited = (level: LogLevel) => (fields: object, message: string) =>
    limiter.log(`${level}\n${message}\n${plainFields(fields)}`, level, fields, message);
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: limited('warn'),
    error: limited('error'),
  };
}

function plainFields(fields: object): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const type = typeof value;
    if (type === 'string' || type === 'number' || type === 'boolean') {
      parts.push(`${name}=${String(value)}`);
    } else if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) {
      parts.push(`${name}=[${value.join(',')}]`);
    }
  }
  return parts.join(' ');
}
