import type { Logger } from '@kf/protocol';
import { type logCreator, logLevel } from 'kafkajs';

const LEVEL_NAMES: Record<number, string> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Sends kafkajs's own log lines to kf's injected logger, all at debug, with kafkajs's
 * level in `kafkajsLevel`. kafkajs logs every failed request at error, each with its
 * stack, many times a second while a topic does not exist yet or a broker restarts:
 * conditions kf handles and logs itself, once, at the level they deserve (a failure kf
 * cannot handle reaches the caller as an error, an event or kf's own log line). What
 * kafkajs said is still there for someone who turns debug on.
 */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...fields } = log;
      logger.debug(
        { ...fields, kafkajs: namespace, kafkajsLevel: LEVEL_NAMES[level] ?? String(level) },
        message,
      );
    };
}
