import type { IRedis } from '@kf/protocol';

/**
 * An adapter over a node-redis object the test made, whose `close()` also closes that
 * object (once), as its owner would: lets the conformance suite, which closes only the
 * adapter, run on caller-made clients without leaving connections behind.
 */
export function closingTheDriverToo(adapter: IRedis, driver: { close(): Promise<void> }): IRedis {
  const closeAdapter = adapter.close.bind(adapter);
  let driverClosed: Promise<void> | undefined;
  return Object.assign(adapter, {
    close: async () => {
      await closeAdapter();
      driverClosed ??= driver.close();
      await driverClosed;
    },
  });
}
