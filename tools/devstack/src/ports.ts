import getPort from 'get-port';

/** `count` distinct free loopback ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await getPort({ host: '127.0.0.1', exclude: ports });
    ports.push(port);
  }
  return ports;
}
