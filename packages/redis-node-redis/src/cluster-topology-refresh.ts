import type { Logger } from '@kf/protocol';
import { redactedError } from '@kf/protocol';

/** The internals of a node-redis cluster client this refresh reaches for. */
interface RediscoveringCluster {
  on(event: 'node-reconnecting', listener: () => void): unknown;
  off(event: 'node-reconnecting', listener: () => void): unknown;
  readonly masters?: Array<{ client?: { isReady?: boolean } }>;
  readonly _slots?: { rediscover?: (startWith: unknown) => Promise<void> };
}

const MIN_INTERVAL_MS = 1_000;

/**
 * Re-reads the cluster's slot map while a node keeps failing to reconnect.
 *
 * node-redis 5 re-reads it only when a node answers MOVED or ASK, and a master that
 * died answers nothing: its slots stay mapped to it and commands for them wait on a
 * connection that never comes back, long after its replica took over. node-redis 6
 * refreshes on its own (`topologyRefreshOnReconnectionAttemptStrategy`); this does the
 * same for 5, through the `_slots.rediscover` both versions declare, starting from a
 * master that still answers, at most once a second. Where that method is missing it
 * does nothing. Returns the function that stops it.
 */
export function refreshTopologyWhileReconnecting(
  cluster: RediscoveringCluster,
  logger: Logger,
  secrets: readonly string[],
): () => void {
  let running: Promise<void> | undefined;
  let lastStarted = 0;
  const onReconnecting = (): void => {
    const rediscover = cluster._slots?.rediscover?.bind(cluster._slots);
    if (!rediscover || running || Date.now() - lastStarted < MIN_INTERVAL_MS) return;
    const healthy = cluster.masters?.find((master) => master.client?.isReady)?.client;
    if (!healthy) return;
    lastStarted = Date.now();
    running = rediscover(healthy)
      .catch((error: unknown) => {
        logger.warn({ err: redactedError(error, secrets) }, 'Redis Cluster: rediscovery failed');
      })
      .finally(() => {
        running = undefined;
      });
  };
  cluster.on('node-reconnecting', onReconnecting);
  return () => cluster.off('node-reconnecting', onReconnecting);
}
