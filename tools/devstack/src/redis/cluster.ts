import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DevstackStartError } from '../errors.js';
import {
  cleanupOnFailure,
  type ServiceHandle,
  type StartOptions,
  serviceHandle,
  startAllOrNone,
} from '../service.js';
import { waitUntil } from '../wait-until.js';
import { type HostPort, type ProbeCredentials, parseInfo, withRedis } from './probe.js';
import { LOOPBACK, startRedisInstance } from './redis-instance.js';
import { startRedisOnFreePorts } from './start-on-free-ports.js';

const run = promisify(execFile);

export interface ClusterNodeInfo extends HostPort {
  id: string;
  role: 'master' | 'replica';
  /** The master's id for a replica. */
  masterId?: string;
  /** Inclusive slot ranges a master serves. */
  slots: [number, number][];
}

export interface RedisClusterInfo {
  nodes: ClusterNodeInfo[];
  /** Every node's `requirepass` (and `masterauth`), when started with one. */
  password?: string;
  /** `cluster-node-timeout`: how long a master may be silent before fail-over starts. */
  nodeTimeoutMs: number;
}

export type RedisCluster = ServiceHandle<RedisClusterInfo>;

export interface ClusterStartOptions extends StartOptions {
  /** Default 1000 ms: short, so fail-over tests finish quickly. */
  nodeTimeoutMs?: number;
  /** `requirepass` and `masterauth` on every node: clients and replicas log in with it. */
  password?: string;
}

const NODES = 6;

/**
 * How long `redis-cli --cluster create` may take: it assigns slots, joins the nodes and
 * waits for them to agree, about 2 s here (a whole cluster start takes 6 s at load 8);
 * 60 s is thirty times that.
 */
const CREATE_TIMEOUT_MS = 60_000;
/**
 * How long the nodes may take to agree once created: gossip spreads the configuration
 * within a few cluster-node-timeouts and each replica's first sync and AOF rewrite take
 * about a second, so agreement comes in about 3 s here; 30 s is ten times that.
 */
const AGREE_TIMEOUT_MS = 30_000;

/**
 * A 6-node Redis Cluster (3 masters, 3 replicas) on loopback, ready when every node
 * agrees. Client and bus ports are picked together and held unbound until the nodes
 * start: a port taken meanwhile restarts them all on new ports.
 */
export async function startRedisCluster(options: ClusterStartOptions = {}): Promise<RedisCluster> {
  return startRedisOnFreePorts(
    { what: 'Redis Cluster', kind: 'cluster', ports: NODES * 2 },
    options,
    (ports, runDir) => startOn(ports, runDir, options),
  );
}

async function startOn(
  ports: number[],
  runDir: string,
  options: ClusterStartOptions,
): Promise<RedisCluster> {
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1_000;
  const auth = options.password === undefined ? {} : { password: options.password };
  const instances = await startAllOrNone(
    Array.from({ length: NODES }, (_, i) =>
      startRedisInstance({
        name: `redis-cluster-${i + 1}`,
        port: ports[i] as number,
        runDir,
        owner: options.owner ?? 'api',
        password: options.password,
        probe: auth,
        config: [
          'cluster-enabled yes',
          'cluster-config-file nodes.conf',
          `cluster-node-timeout ${nodeTimeoutMs}`,
          // An explicit bus port: the default (port + 10000) may be taken.
          `cluster-port ${ports[NODES + i]}`,
        ],
      }),
    ),
  );
  const processes = instances.map((instance) => instance.process);
  return cleanupOnFailure(processes, async () => {
    await createCluster(instances, options.password);
    const secured = instances.map(({ host, port }) => ({ host, port, ...auth }));
    await waitUntil(() => clusterAgreed(secured), {
      what: 'Redis Cluster to agree on its 6 nodes and 16384 slots',
      timeoutMs: AGREE_TIMEOUT_MS,
    });
    const nodes = await readTopology(secured[0] as HostPort);
    return serviceHandle('cluster', runDir, { nodes, nodeTimeoutMs, ...auth }, processes);
  });
}

async function createCluster(instances: HostPort[], password?: string): Promise<void> {
  const addresses = instances.map((i) => `${i.host}:${i.port}`);
  try {
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'],
      // Through the environment, the password stays out of the process list.
      {
        timeout: CREATE_TIMEOUT_MS,
        env: { ...process.env, ...(password ? { REDISCLI_AUTH: password } : {}) },
      },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new DevstackStartError(`redis-cli --cluster create failed:\n${stdout}\n${stderr}`, {
      cause: error,
    });
  }
}

async function clusterAgreed(
  instances: Array<HostPort & ProbeCredentials>,
): Promise<true | undefined> {
  for (const instance of instances) {
    const ready = await withRedis(instance, async (client) => {
      const info = parseInfo(String(await client.call('CLUSTER', 'INFO')));
      if (info.cluster_state !== 'ok') return false;
      if (info.cluster_slots_ok !== '16384' || info.cluster_known_nodes !== String(NODES)) {
        return false;
      }
      const replication = parseInfo(await client.info('replication'));
      const persistence = parseInfo(await client.info('persistence'));
      // Ready means synced and persisted: a replica still writing its first AOF after
      // the initial sync would, among other things, refuse to shut down.
      if (persistence.aof_rewrite_in_progress !== '0') return false;
      return replication.role === 'master' || replication.master_link_status === 'up';
    });
    if (!ready) return undefined;
  }
  return true;
}

/**
 * Reads who is master of which slots from `CLUSTER NODES`; `seed` carries the
 * password when the cluster has one (a cluster's `info` can be spread into it).
 */
export async function readTopology(seed: HostPort & ProbeCredentials): Promise<ClusterNodeInfo[]> {
  const text = await withRedis(seed, async (client) =>
    String(await client.call('CLUSTER', 'NODES')),
  );
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slotFields] =
        line.split(' ');
      const hostPort = address.split('@')[0] ?? '';
      const colon = hostPort.lastIndexOf(':');
      const isMaster = flags.split(',').includes('master');
      const slots = slotFields
        .filter((field) => !field.startsWith('['))
        .map((field): [number, number] => {
          const [start, end = start] = field.split('-');
          return [Number(start), Number(end)];
        });
      return {
        id,
        host: hostPort.slice(0, colon) || LOOPBACK,
        port: Number(hostPort.slice(colon + 1)),
        role: isMaster ? ('master' as const) : ('replica' as const),
        ...(isMaster ? {} : { masterId: master }),
        slots,
      };
    })
    .sort((a, b) => a.port - b.port);
}

/** The master serving `key`'s slot now, read from the cluster by a plain connection. */
export async function masterOf(
  seed: HostPort & ProbeCredentials,
  key: string,
): Promise<{ master: ClusterNodeInfo; slot: number }> {
  const slot = Number(await withRedis(seed, (c) => c.call('CLUSTER', 'KEYSLOT', key)));
  const master = (await readTopology(seed)).find(
    (n) => n.role === 'master' && n.slots.some(([from, to]) => slot >= from && slot <= to),
  );
  if (!master) throw new Error(`no master owns slot ${slot}`);
  return { master, slot };
}
