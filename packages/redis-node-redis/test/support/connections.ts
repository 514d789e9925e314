import { createServer } from 'node:net';
import { type HostPort, waitUntil, withRedis } from '@kf/devstack';
import { CLOSED_SEEN_WITHIN_MS } from './reply-bounds.js';

type Server = HostPort & { password?: string };

/** The CLIENT LIST lines of the connections named `name`, the probe's own apart. */
async function linesNamed(server: Server, name: string): Promise<string[]> {
  const list = await withRedis(server, async (c) => String(await c.call('CLIENT', 'LIST')));
  return list.split('\n').filter((line) => line.includes(` name=${name} `));
}

/** How many connections named `name` the server has (CLIENT LIST), the probe's own apart. */
export async function connectionsNamed(server: Server, name: string): Promise<number> {
  return (await linesNamed(server, name)).length;
}

/**
 * Waits until `server` has `count` connections named `name`: counts after a close
 * settle, never revert.
 */
export function connectionsSettleAt(
  server: Server,
  name: string,
  count: number,
  what: string,
): Promise<true> {
  return waitUntil(
    async () => ((await connectionsNamed(server, name)) === count ? true : undefined),
    { what, timeoutMs: CLOSED_SEEN_WITHIN_MS },
  );
}

/** How many connections named `name` are blocked in BLMOVE on the server now. */
export async function blockedNamed(server: Server, name: string): Promise<number> {
  return (await linesNamed(server, name)).filter(
    (line) => / cmd=blmove /.test(line) && /\bflags=\S*b/.test(line),
  ).length;
}

/** The RESP version of every connection named `name`. */
export async function respOfConnectionsNamed(server: Server, name: string): Promise<string[]> {
  return (await linesNamed(server, name)).map((line) => /\bresp=(\d)/.exec(line)?.[1] ?? '?');
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
