import type { ManagedProcess } from '../managed-process.js';
import { type HostPort, parseInfo, withRedis } from './probe.js';

/** The devstack process serving `address`, found by the pid the server reports. */
export async function processServing(
  address: HostPort & { password?: string },
  processes: readonly ManagedProcess[],
): Promise<ManagedProcess> {
  const pid = await withRedis(address, async (client) =>
    Number(parseInfo(await client.info('server')).process_id),
  );
  const found = processes.find((p) => p.pid === pid);
  if (!found)
    throw new Error(`no devstack process has pid ${pid} (${address.host}:${address.port})`);
  return found;
}
