import type { GroupKeys } from '@kf/core';
import { ErrorCode, type IRedis, isKfError, type Logger, type RedisScript } from '@kf/protocol';

/**
 * The `INFO` section `script` returns, read on the server holding the group's keys (a
 * script keyed on them reaches that server in a cluster), or undefined when the server
 * refuses it (an ACL without INFO, a renamed INFO, a script refused under OOM): such a
 * server is not kf's to judge, and `refusedMessage` says so once, at info level. Any
 * other failure (no answer, a lost connection) is thrown.
 */
export async function readServerInfo(
  redis: IRedis,
  script: RedisScript,
  keys: GroupKeys,
  logger: Logger,
  refusedMessage: string,
): Promise<string | undefined> {
  try {
    return String(await redis.evalScript(script, [keys.nodes], []));
  } catch (error) {
    const refused =
      isKfError(error) && (error.code === ErrorCode.Script || error.code === ErrorCode.Command);
    if (!refused) throw error;
    logger.info({ err: error }, refusedMessage);
    return undefined;
  }
}
