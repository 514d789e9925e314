import type { Logger } from '@kf/protocol';
import type { Cluster, Redis } from 'ioredis';

/** Either ioredis client: both speak the same commands, a `Cluster` routes them by slot. */
export type IoredisClient = Redis | Cluster;

/** How long a closing connection may take to report `end` before the wait gives up. */
const END_WAIT_MS = 5_000;

/**
 * Closes a connection at once, failing whatever it is blocked in, and resolves once
 * ioredis reports it ended.
 */
export function disconnectNow(client: IoredisClient, logger: Logger): Promise<void> {
  if (client.status === 'end') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('end', ended);
      logger.warn({ status: client.status, waitedMs: END_WAIT_MS }, 'redis connection did not end');
      resolve();
    }, END_WAIT_MS);
    function ended(): void {
      clearTimeout(timer);
      client.off('end', ended);
      resolve();
    }
    client.once('end', ended);
    client.disconnect();
    // Between two reconnection attempts there is no socket, so ioredis emits no `end`:
    // the reconnection timer that disconnect() cleared was all there was to stop.
    if (client.status === 'reconnecting') ended();
  });
}

/**
 * Closes a connection after the commands already sent have their replies (QUIT),
 * falling back to an immediate disconnect when QUIT gets no answer in `graceMs`: a
 * server that is down must not hold `close()` up.
 */
export async function quitGracefully(
  client: IoredisClient,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  // QUIT would only queue behind a reconnection; there is nothing to drain.
  if (client.status !== 'ready') return disconnectNow(client, logger);
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  try {
    const outcome = await Promise.race([client.quit(), graceOver]);
    if (outcome === 'timeout') logger.debug({ graceMs }, 'redis QUIT unanswered; disconnecting');
  } catch (error) {
    // A connection already lost cannot QUIT; disconnecting below still ends it.
    logger.debug({ err: error }, 'redis QUIT failed; disconnecting');
  } finally {
    clearTimeout(timer);
  }
  await disconnectNow(client, logger);
}
