import { Redis } from 'ioredis';

export interface RedisSample {
  /** Commands served so far, `info` excluded (the sampling itself). */
  calls: number;
  /** The same, by command. */
  byCommand: Map<string, number>;
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
    const byCommand = new Map<string, number>();
    for (const match of commandstats.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) {
      if (match[1] === 'info') continue;
      calls += Number(match[2]);
      byCommand.set(match[1] as string, Number(match[2]));
    }
    const field = (name: string) =>
      Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
    return { calls, byCommand, cpuSeconds: field('used_cpu_user') + field('used_cpu_sys') };
  } finally {
    client.disconnect();
  }
}

// What a node sends for each unit: the claim (BLMOVE) and scripts (EVALSHA; EVAL the
// first time a process runs one). Redis also counts the commands a script runs inside.
const ROUND_TRIP_COMMANDS = ['blmove', 'evalsha', 'eval'];

/** Client round trips of the kinds a unit costs, between two samples. */
export function roundTrips(before: RedisSample, after: RedisSample): number {
  return ROUND_TRIP_COMMANDS.reduce(
    (sum, name) => sum + (after.byCommand.get(name) ?? 0) - (before.byCommand.get(name) ?? 0),
    0,
  );
}

/** Commands by name between two samples, most first, as `name n`. */
export function commandDelta(before: RedisSample, after: RedisSample): string {
  return [...after.byCommand]
    .map(([name, n]): [string, number] => [name, n - (before.byCommand.get(name) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}
