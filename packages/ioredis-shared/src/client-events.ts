import type { Logger } from '@kf/protocol';
import type { IoredisClient } from './client-lifecycle.js';

/**
 * Reports a client's connection trouble through the logger. Listening to `error` also
 * keeps ioredis from printing "Unhandled error event" to the console: the commands
 * affected fail on their own, with kf errors. Returns a function removing the listeners.
 */
export function logClientEvents(client: IoredisClient, logger: Logger, role: string): () => void {
  const onError = (err: unknown): void => logger.warn({ err, role }, 'redis connection error');
  const onNodeError = (err: unknown, node: unknown): void =>
    logger.warn({ err, role, node }, 'redis cluster node error');
  const onReconnecting = (delayMs: unknown): void =>
    logger.debug({ role, delayMs }, 'redis reconnecting');
  client.on('error', onError);
  client.on('node error', onNodeError);
  client.on('reconnecting', onReconnecting);
  return () => {
    client.off('error', onError);
    client.off('node error', onNodeError);
    client.off('reconnecting', onReconnecting);
  };
}
