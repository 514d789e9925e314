import { createServer } from 'node:net';
import { type HostPort, withRedis } from '@kf/devstack';

/** How many connections named `name` the server has (CLIENT LIST), the probe's own apart. */
export async function connectionsNamed(
  server: HostPort & { password?: string },
  name: string,
): Promise<number> {
  const list = await withRedis(server, async (c) => String(await c.call('CLIENT', 'LIST')));
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

/** The RESP version of every connection named `name`. */
export async function respOfConnectionsNamed(server: HostPort, name: string): Promise<string[]> {
  const list = await withRedis(server, async (c) => String(await c.call('CLIENT', 'LIST')));
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /\bresp=(\d)/.exec(line)?.[1] ?? '?');
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
