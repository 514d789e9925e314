import { Redis } from 'ioredis';

export interface RedisSample {
  /** Commands served so far, `info` excluded (the sampling itself). */
  calls: number;
  /** CPU seconds the server has used (user + system). */
  cpuSeconds: number;
}

/** Reads the server's command counts and CPU time, for a before/after difference. */
export async function sampleRedis(address: { host: string; port: number }): Promise<RedisSample> {
  const client = new Redis({ host: address.host, port: address.port, lazyConnect: true });
  await client.connect();
  try {
    const [commandstats, cpu] = await Promise.all([
      client.info('commandstats'),
      client.info('cpu'),
    ]);
    let calls = 0;
    for (const match of commandstats.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) {
      if (match[1] !== 'info') calls += Number(match[2]);
    }
    const field = (name: string) =>
      Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
    return { calls, cpuSeconds: field('used_cpu_user') + field('used_cpu_sys') };
  } finally {
    client.disconnect();
  }
}
