import {
  cleanupOnFailure,
  type ServiceHandle,
  type StartOptions,
  serviceHandle,
  startAllOrNone,
} from '../service.js';
import { waitUntil } from '../wait-until.js';
import { type HostPort, withRedis } from './probe.js';
import { LOOPBACK, startRedisInstance } from './redis-instance.js';
import { startRedisOnFreePorts } from './start-on-free-ports.js';

export interface RedisSentinelInfo {
  masterName: string;
  master: HostPort;
  replica: HostPort;
  sentinels: HostPort[];
  /** `down-after-milliseconds`: how long the master may be silent before fail-over starts. */
  downAfterMs: number;
  /** The master's and replica's `requirepass`, when started with one (sentinels have none). */
  password?: string;
}

export type RedisSentinel = ServiceHandle<RedisSentinelInfo>;

export interface SentinelStartOptions extends StartOptions {
  masterName?: string;
  /** Default 1000 ms: short, so fail-over tests finish quickly. */
  downAfterMs?: number;
  /**
   * `requirepass` and `masterauth` on master and replica; the sentinels get it as
   * `auth-pass` and stay open themselves.
   */
  password?: string;
}

const SENTINELS = 3;

/**
 * How long the sentinels may take to know the replica and each other: a sentinel reads
 * the replicas from the master's INFO, which it asks for every 10 s, and hears the other
 * sentinels' hellos every 2 s, so agreement is due within 12 s; 30 s is 2.5 times that.
 */
const AGREE_TIMEOUT_MS = 30_000;

/**
 * One master, one replica and three sentinels (quorum 2) on loopback; ready once the
 * replica is in sync and every sentinel knows the replica and the two other sentinels.
 */
export async function startRedisSentinel(
  options: SentinelStartOptions = {},
): Promise<RedisSentinel> {
  // Sentinel ports are picked with the others and held unbound while master and replica
  // start, the widest window for another process to take one: a lost port restarts the
  // whole set on new ports.
  return startRedisOnFreePorts(
    { what: 'Redis Sentinel', kind: 'sentinel', ports: 2 + SENTINELS },
    options,
    (ports, runDir) => startOn(ports, runDir, options),
  );
}

async function startOn(
  ports: number[],
  runDir: string,
  options: SentinelStartOptions,
): Promise<RedisSentinel> {
  const masterName = options.masterName ?? 'kf-master';
  const downAfterMs = options.downAfterMs ?? 1_000;
  const owner = options.owner ?? 'api';
  const [masterPort, replicaPort, ...sentinelPorts] = ports as [number, number, ...number[]];
  const auth = options.password === undefined ? {} : { password: options.password };
  const secured = { password: options.password, probe: auth };
  const data = await startAllOrNone([
    startRedisInstance({ name: 'redis-master', port: masterPort, runDir, owner, ...secured }),
    startRedisInstance({
      name: 'redis-replica',
      port: replicaPort,
      runDir,
      owner,
      ...secured,
      config: [`replicaof ${LOOPBACK} ${masterPort}`],
    }),
  ]);
  const processes = data.map((instance) => instance.process);
  return cleanupOnFailure(processes, async () => {
    const sentinels = await startAllOrNone(
      sentinelPorts.map((port, i) =>
        startRedisInstance({
          name: `redis-sentinel-${i + 1}`,
          port,
          runDir,
          owner,
          command: 'redis-sentinel',
          config: [
            `sentinel monitor ${masterName} ${LOOPBACK} ${masterPort} 2`,
            `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
            `sentinel failover-timeout ${masterName} ${Math.max(3 * downAfterMs, 3_000)}`,
            `sentinel parallel-syncs ${masterName} 1`,
            ...(options.password ? [`sentinel auth-pass ${masterName} ${options.password}`] : []),
          ],
        }),
      ),
    );
    processes.push(...sentinels.map((s) => s.process));
    await waitUntil(() => sentinelsAgree(masterName, sentinels), {
      what: 'sentinels to see the replica and each other',
      timeoutMs: AGREE_TIMEOUT_MS,
      intervalMs: 200,
    });
    const info: RedisSentinelInfo = {
      masterName,
      master: { host: LOOPBACK, port: masterPort },
      replica: { host: LOOPBACK, port: replicaPort },
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      downAfterMs,
      ...auth,
    };
    return serviceHandle('sentinel', runDir, info, processes);
  });
}

async function sentinelsAgree(
  masterName: string,
  sentinels: HostPort[],
): Promise<true | undefined> {
  for (const sentinel of sentinels) {
    const ok = await withRedis(sentinel, async (client) => {
      const flat = (await client.call('SENTINEL', 'MASTER', masterName)) as string[];
      const fields = Object.fromEntries(
        flat.flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])),
      ) as Record<string, string>;
      return (
        fields.flags === 'master' &&
        fields['num-slaves'] === '1' &&
        fields['num-other-sentinels'] === String(SENTINELS - 1)
      );
    });
    if (!ok) return undefined;
  }
  const replicaInSync = await withRedis(sentinels[0] as HostPort, async (client) => {
    const replicas = (await client.call('SENTINEL', 'REPLICAS', masterName)) as string[][];
    return replicas.every((flat) => {
      const i = flat.indexOf('master-link-status');
      return i >= 0 && flat[i + 1] === 'ok';
    });
  });
  return replicaInSync ? true : undefined;
}
