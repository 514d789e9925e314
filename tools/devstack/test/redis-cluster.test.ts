import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  parseInfo,
  type RedisCluster,
  smokeCluster,
  startRedisCluster,
  withRedis,
} from '../src/index.js';
import { stopAndExpectGone } from './support/expect-stopped.js';
import { type PortThief, takePickedPorts } from './support/take-picked-ports.js';

/** Picks are 6 client ports, then the 6 nodes' cluster bus ports in the same order. */
const NODES = 6;

describe('Redis Cluster (6 nodes)', () => {
  let cluster: RedisCluster;
  let thief: PortThief;
  beforeAll(async () => {
    // Started the hard way: another process takes the first-picked port (node 1's
    // client port) from the first pick, and node 1's cluster bus port from the second;
    // the third pick must go through.
    thief = takePickedPorts((ports, pick) =>
      pick === 1 ? [ports[0] as number] : pick === 2 ? [ports[NODES] as number] : [],
    );
    try {
      cluster = await startRedisCluster({ nodeTimeoutMs: 1_000 });
    } finally {
      thief.stopTaking();
    }
  });
  afterAll(async () => {
    await cluster?.stop();
    await thief?.release();
  });

  test('started on new ports after another process took a client port, then a bus port', () => {
    expect(thief.picks).toHaveLength(3);
    expect(thief.taken).toEqual([thief.picks[0]?.[0], thief.picks[1]?.[NODES]]);
    expect(cluster.info.nodes.map((n) => n.port).sort()).toEqual(
      thief.picks[2]?.slice(0, NODES).sort(),
    );
    expect(thief.holding()).toEqual(thief.taken);
  });

  test('has 3 masters covering all 16384 slots and 3 replicas, one per master', () => {
    const masters = cluster.info.nodes.filter((n) => n.role === 'master');
    const replicas = cluster.info.nodes.filter((n) => n.role === 'replica');
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    const covered = masters
      .flatMap((m) => m.slots)
      .reduce((sum, [start, end]) => sum + (end - start + 1), 0);
    expect(covered).toBe(16384);
    expect(new Set(replicas.map((r) => r.masterId))).toEqual(new Set(masters.map((m) => m.id)));
  });

  test('routes keys to all three masters, each within its slot ranges, with cluster_state:ok', async () => {
    const result = await smokeCluster(cluster.info);
    expect(result.clusterState).toBe('ok');
    const counts = Object.values(result.keysPerMaster);
    expect(counts).toHaveLength(3);
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(result.keysWritten);
    expect(result.misplacedKeys).toBe(0);
  });

  test('every node runs with AOF and the short node timeout', async () => {
    for (const node of cluster.info.nodes) {
      const config = await withRedis(node, async (client) => ({
        appendonly: ((await client.config('GET', 'appendonly')) as string[])[1],
        timeout: ((await client.config('GET', 'cluster-node-timeout')) as string[])[1],
        info: parseInfo(String(await client.call('CLUSTER', 'INFO'))),
      }));
      expect(config).toMatchObject({ appendonly: 'yes', timeout: '1000' });
      expect(config.info.cluster_state).toBe('ok');
    }
  });

  test('stops cleanly, leaving no process and no run directory', async () => {
    await stopAndExpectGone(cluster);
  });
});
