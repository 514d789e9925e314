import type { Logger } from '@kf/protocol';
import type { IoredisClient } from './client-lifecycle.js';
import { reconnectDelay } from './connection-options.js';

/**
 * ioredis ends a client for good when its connector is told to disconnect while it is
 * connecting: a Sentinel fail-over notice (`failoverDetector`) arriving as the client
 * reconnects after its master died does that, and every command fails with "Connection
 * is closed." from then on. An end the adapter did not ask for (`closing()` false) is
 * undone: the client connects again, with the reconnection back-off between tries.
 * Returns a function removing the listener.
 */
export function reviveOnEnd(
  client: IoredisClient,
  closing: () => boolean,
  logger: Logger,
): () => void {
  let attempts = 0;
  let timer: NodeJS.Timeout | undefined;
  const onEnd = (): void => {
    if (closing()) return;
    attempts += 1;
    const delayMs = reconnectDelay(attempts);
    logger.warn(
      { delayMs, attempts },
      'the Redis connection ended without being closed; connecting again',
    );
    timer = setTimeout(() => {
      timer = undefined;
      if (closing() || client.status !== 'end') return;
      client.connect().catch((error: unknown) => {
        // A failed connect ends the client again: the next `end` tries once more.
        logger.warn({ err: error }, 'connecting to Redis again failed');
      });
    }, delayMs);
  };
  const onReady = (): void => {
    attempts = 0;
  };
  client.on('end', onEnd);
  client.on('ready', onReady);
  return () => {
    clearTimeout(timer);
    client.off('end', onEnd);
    client.off('ready', onReady);
  };
}
