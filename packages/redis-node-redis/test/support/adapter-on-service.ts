import type { IRedis } from '@kf/protocol';
import { afterAll, beforeAll } from 'vitest';

/**
 * A devstack service for the calling block with the adapter under test on it, both
 * ready before its tests; after them the adapter is closed, then the service stopped.
 */
export function useAdapterOnService<S extends { stop(): Promise<void> }>(
  start: () => Promise<S>,
  connect: (service: S) => IRedis,
): { readonly service: S; readonly redis: IRedis } {
  let service: S | undefined;
  let redis: IRedis | undefined;
  beforeAll(async () => {
    service = await start();
    redis = connect(service);
  });
  afterAll(async () => {
    await redis?.close();
    await service?.stop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the service is used before its beforeAll ran');
    return value;
  };
  return {
    get service() {
      return ready(service);
    },
    get redis() {
      return ready(redis);
    },
  };
}
