import { randomUUID } from 'node:crypto';
import {
  type HostPort,
  masterOf,
  processServing,
  type RedisCluster,
  readTopology,
  startRedisCluster,
} from '@kf/devstack';
import { expectFailoverRidden, runFailoverDrill } from '@kf/ioredis-shared/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClusterRedis } from '../src/index.js';

describe('ioredis Cluster adapter through a master fail-over (kill -9)', () => {
  let cluster: RedisCluster;
  const killedPorts: number[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  // Probes go through a node this test has not killed.
  const seed = () => cluster.info.nodes.find((n) => !killedPorts.includes(n.port)) as HostPort;

  /** A hash tag on a master that still has a live replica to promote. */
  async function tagWithLiveReplica(): Promise<string> {
    const topology = await readTopology(seed());
    for (;;) {
      const tag = `{failover-${randomUUID()}}`;
      const { master } = await masterOf(seed(), tag);
      const replicas = topology.filter((n) => n.masterId === master.id);
      if (replicas.some((r) => !killedPorts.includes(r.port))) return tag;
    }
  }

  test.each([
    { commandTimeoutMs: undefined, label: 'default command timeout: calls wait it out' },
    { commandTimeoutMs: 300, label: 'command timeout 300 ms: calls fail typed, then recover' },
  ])('$label', async ({ commandTimeoutMs }) => {
    const tag = await tagWithLiveReplica();
    const { master, slot } = await masterOf(seed(), tag);
    const victim = await processServing(master, cluster.processes);

    const redis = createClusterRedis({
      nodes: cluster.info.nodes,
      nodeTimeoutMs: cluster.info.nodeTimeoutMs,
      ...(commandTimeoutMs ? { commandTimeoutMs } : {}),
    });
    try {
      const report = await runFailoverDrill({
        redis,
        tag,
        kill: () => {
          killedPorts.push(master.port);
          victim.signal('SIGKILL');
        },
        deadlineMs: 30_000,
      });
      expectFailoverRidden(report, {
        label: `Cluster fail-over (cluster-node-timeout ${cluster.info.nodeTimeoutMs} ms)`,
        commandTimeoutMs,
        recoveryBoundMs: 15_000,
      });

      const promoted = (await masterOf(seed(), tag)).master;
      expect(promoted.port).not.toBe(master.port);
      expect((await masterOf(seed(), tag)).slot).toBe(slot);
      expect(await redis.listLength(`${tag}:log`)).toBeGreaterThanOrEqual(20);
    } finally {
      await redis.close();
    }
  });
});
