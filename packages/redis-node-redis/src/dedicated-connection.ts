import type { DedicatedConnection } from './deployment.js';
import { type Connectable, DriverLifecycle, type LifecycleOptions } from './driver-lifecycle.js';
import type { DriverCommandOptions } from './driver-types.js';

/**
 * A dedicated connection over a node-redis object the adapter made for it (a duplicate
 * of the shared client, cluster or Sentinel), opened at once and owned by the adapter.
 */
export function dedicatedConnection<D extends Connectable>(
  driver: D,
  options: LifecycleOptions,
  send: (
    driver: D,
    args: string[],
    key: string | undefined,
    options: DriverCommandOptions,
  ) => Promise<unknown>,
  /** Undoes what was attached to `driver` (listeners) when the connection is dropped. */
  onDestroy: () => void = () => undefined,
): DedicatedConnection {
  const lifecycle = new DriverLifecycle(driver, {
    ...options,
    owned: true,
    what: `${options.what} (dedicated connection)`,
  });
  return {
    ready: lifecycle.ready,
    send: (args, key, commandOptions) => send(driver, args, key, commandOptions),
    destroy: () => {
      onDestroy();
      return lifecycle.destroy();
    },
  };
}
