import type { KfConfigInput, RedisConfigInput } from '@kf/core';
import {
  createTopic,
  startRedisCluster,
  startRedisSentinel,
  startRedisSingle,
  startTogether,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { afterEach, describe, expect, test } from 'vitest';
import { openGroupAdmin } from '../src/index.js';
import { decodeUnit } from '../src/work-unit/work-unit.js';
import { kafkaClientUnderTest } from './support/kafka-client-under-test.js';
import {
  countSeen,
  maxConcurrentUnits,
  type NodeProcess,
  type NodeProcessSpec,
  startNodes,
} from './support/node-processes.js';
import { produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

/**
 * Several node processes on one group, on every Redis deployment, against a real broker:
 * the counts of what was produced, delivered and delivered twice are the assertions.
 * Each scenario logs its summary line.
 */
describe('node processes end to end', () => {
  // Every deployment at once: the file's scenarios run on each.
  const stack = useKafkaRedis({
    clientId: 'kf-e2e',
    redis: async () => {
      const [single, cluster, sentinel] = await startTogether(
        startRedisSingle(),
        startRedisCluster(),
        startRedisSentinel(),
      );
      return {
        single,
        cluster,
        sentinel,
        stop: async () => {
          await Promise.all([single.stop(), cluster.stop(), sentinel.stop()]);
        },
      };
    },
  });
  let running: NodeProcess[] = [];
  let scenario = 0;

  afterEach(async () => {
    await Promise.all(running.map((n) => n.stop()));
    running = [];
  });

  // The scenarios that are not about the deployment run on the plain single Redis.
  const singleRedis = (): RedisConfigInput => ({
    host: stack.redis.single.info.host,
    port: stack.redis.single.info.port,
  });
  const deployments: Array<[string, () => RedisConfigInput]> = [
    ['ioredis single', singleRedis],
    [
      'ioredis Cluster',
      () => ({ host: stack.redis.cluster.info.nodes.map((n) => `${n.host}:${n.port}`) }),
    ],
    [
      'ioredis Sentinel',
      () => ({
        sentinelAddresses: stack.redis.sentinel.info.sentinels.map((s) => `${s.host}:${s.port}`),
        masterName: stack.redis.sentinel.info.masterName,
      }),
    ],
    [
      'node-redis Cluster',
      () => ({
        host: stack.redis.cluster.info.nodes.map((n) => `${n.host}:${n.port}`),
        client: 'node-redis',
      }),
    ],
  ];

  function groupConfig(redis: RedisConfigInput, conf: Record<string, unknown> = {}): KfConfigInput {
    scenario += 1;
    return {
      bootstrapBrokers: stack.kafka.info.brokers,
      redis: { ...redis, groupName: `e2e-${scenario}` },
      conf: { useEarliest: true, ...conf },
      kafka: { client: kafkaClientUnderTest() },
    };
  }

  /** Waits until every id arrived, stops the nodes (gracefully), and counts. */
  async function consumeEverything(expected: number): Promise<ReturnType<typeof countSeen>> {
    await until(
      waitUntil,
      () => countSeen(running).distinct.size >= expected,
      'every message',
      60_000,
    );
    await Promise.all(running.map((n) => n.stop()));
    return countSeen(running);
  }

  /**
   * Clients blocked in BLMOVE on any Redis server of the stack: each is a node's claim
   * loop waiting for work (the group's work list lives on one of them).
   */
  async function waitingClaims(): Promise<number> {
    const servers = [
      stack.redis.single.info,
      ...stack.redis.cluster.info.nodes,
      stack.redis.sentinel.info.master,
    ];
    const counts = await Promise.all(
      servers.map(({ host, port }) =>
        withRedis(
          { host, port },
          async (client) =>
            String(await client.call('CLIENT', 'LIST'))
              .split('\n')
              .filter((line) => line.includes(' cmd=blmove ')).length,
        ),
      ),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /**
   * Starts the nodes with their group paused, fills the topic, and resumes once every
   * node waits for work: the leader then queues all the units in one go, and each node's
   * first claim takes some of them. (Produced while the nodes ran, units came a tick's
   * worth at a time, and two nodes with free slots could take each tick's units before
   * the third, the leader still finishing its tick, looked: on a loaded machine one node
   * once got none.) Resolves with the ids produced and when the group was resumed. The
   * bound only ends a failing test.
   */
  async function startWaitingThenFill(
    config: KfConfigInput,
    specs: Array<Omit<NodeProcessSpec, 'config'>>,
    fill: () => Promise<string[]>,
  ): Promise<{ ids: string[]; resumedAt: number }> {
    const admin = await openGroupAdmin(config, { actor: 'e2e-test' });
    try {
      await admin.pause();
      running = await startNodes(specs.length, (i) => ({
        ...(specs[i] as Omit<NodeProcessSpec, 'config'>),
        config,
      }));
      await until(
        waitUntil,
        async () => (await waitingClaims()) >= specs.length,
        'every node waiting for work',
      );
      const ids = await fill();
      const resumedAt = Date.now();
      await admin.resume();
      return { ids, resumedAt };
    } finally {
      await admin.close();
    }
  }

  function expectExactlyOnce(seen: ReturnType<typeof countSeen>, produced: number): void {
    expect(seen.distinct.size).toBe(produced);
    expect(seen.offsets).toBe(produced);
    expect(seen.total).toBe(produced);
  }

  function summary(name: string, fields: Record<string, number | string>): void {
    // The figures a reader of the test log wants: one line per scenario.
    process.stdout.write(
      `[e2e] ${name}: ${Object.entries(fields)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n`,
    );
  }

  test.each(deployments)(
    '%s: 3 processes consume 4 partitions exactly once',
    async (name, redis) => {
      const topic = `e2e-exact-${name.replace(/\W+/g, '-').toLowerCase()}`;
      await createTopic(stack.kafka.info.brokers, { topic, partitions: 4 });
      const config = groupConfig(redis(), { consumeStep: 500 });
      const { ids, resumedAt } = await startWaitingThenFill(
        config,
        [0, 1, 2].map((i) => ({ topics: [topic], nodeId: `${topic}-${i}` })),
        () => produceIds(stack.producer, topic, { count: 20_000, partitions: 4 }),
      );
      const { total, distinct, offsets } = await consumeEverything(ids.length);
      const perNode = running.map((n) => n.report.seen.length);
      summary(name, {
        produced: ids.length,
        consumed: total,
        distinct: distinct.size,
        duplicates: total - offsets,
        perNode: perNode.join('/'),
        claimsPerNode: running.map((n) => n.report.claimed.length).join('/'),
        leader: running
          .map((n) => (n.report.leadership.some((l) => l.gained) ? 'L' : '-'))
          .join('/'),
        firstClaimMs: running
          .map((n) => Math.round((n.report.claimed[0]?.at ?? Number.NaN) - resumedAt))
          .join('/'),
      });
      expectExactlyOnce({ total, distinct, offsets }, ids.length);
      // A node that got nothing is shown with what it did and said, relative to production.
      const idle = running
        .filter((n) => n.report.seen.length === 0)
        .map(({ report: r }) => ({
          node: r.nodeId,
          claimed: r.claimed.map((c) => `${c.unit.id}@${Math.round(c.at - resumedAt)}`),
          leadership: r.leadership.map((l) => `${l.gained}@${Math.round(l.at - resumedAt)}`),
          leaseLost: r.leaseLost.map((at) => Math.round(at - resumedAt)),
          logs: r.logs.map(
            (l) =>
              `${Math.round(l.at - resumedAt)} ${l.level} ${l.message} ${JSON.stringify(l.fields)}`,
          ),
        }));
      expect(idle, 'nodes that delivered nothing').toEqual([]);
      expect(running.flatMap((n) => n.report.errors)).toEqual([]);
    },
  );

  test('one partition is consumed by 3 processes at once: more units in flight than partitions', async () => {
    const topic = 'e2e-one-partition';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 1 });
    const config = groupConfig(singleRedis(), { consumeStep: 500 });
    // Paused until all three wait: on a loaded machine a process that starts seconds after
    // the others could find the topic drained, and the test prove nothing about sharing.
    const { ids } = await startWaitingThenFill(
      config,
      [0, 1, 2].map((i) => ({ topics: [topic], nodeId: `${topic}-${i}`, pauseMs: 2 })),
      () => produceIds(stack.producer, topic, { count: 30_000, partitions: 1 }),
    );
    const { total, distinct, offsets } = await consumeEverything(ids.length);
    const inFlight = maxConcurrentUnits(running);
    const nodesWithUnits = running.filter((n) => n.report.completed.length > 0).length;
    summary('one partition, 3 processes', {
      produced: ids.length,
      consumed: total,
      duplicates: total - offsets,
      maxUnitsInFlight: inFlight,
      nodesWithUnits,
    });
    expectExactlyOnce({ total, distinct, offsets }, ids.length);
    expect(nodesWithUnits).toBe(3);
    expect(inFlight).toBeGreaterThan(1);
  });

  test('a node killed with SIGKILL mid-run: its units are recovered, duplicates only from them', async () => {
    const topic = 'e2e-kill';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 4 });
    const config = groupConfig(singleRedis(), { consumeStep: 500, leaseTtlMs: 2_000 });
    // The victim is slow, so it holds units whenever it is killed: the others may have
    // drained most of the topic by the time the test sees a quarter of it. Every node
    // waits for work before any is queued, so the victim is served units from the first
    // ones on (the bounds only end a failing test).
    const { ids } = await startWaitingThenFill(
      config,
      [0, 1, 2].map((i) => ({
        topics: [topic],
        nodeId: `${topic}-${i}`,
        pauseMs: i === 0 ? 1_000 : 5,
      })),
      () => produceIds(stack.producer, topic, { count: 40_000, partitions: 4 }),
    );
    const victim = running[0] as NodeProcess;
    const victimList = `kf:{${(config.redis as { groupName: string }).groupName}}:working:${victim.report.nodeId}`;
    await until(
      waitUntil,
      async () =>
        countSeen(running).total >= ids.length / 4 &&
        (await withRedis(stack.redis.single.info, (c) => c.llen(victimList))) > 0,
      'a quarter consumed, the victim holding units',
      60_000,
    );
    victim.kill();
    await victim.report.exit;
    const killedAt = Date.now();
    // What the dead node held: only these ranges may be delivered twice.
    const held = await withRedis(stack.redis.single.info, (c) => c.lrange(victimList, 0, -1));
    const inFlight = held.map((raw) => {
      const decoded = decodeUnit(raw);
      if (!decoded.ok) throw new Error(`unexpected unit ${raw}`);
      return decoded.unit;
    });
    await until(
      waitUntil,
      () => countSeen(running).distinct.size >= ids.length,
      'every message at least once',
      60_000,
    );
    const recoveredAfterMs = Date.now() - killedAt;
    await Promise.all(running.map((n) => n.stop()));
    const all = running.flatMap((n) => n.report.seen);
    const byOffset = new Map<string, number>();
    for (const [p, o] of all) byOffset.set(`${p}/${o}`, (byOffset.get(`${p}/${o}`) ?? 0) + 1);
    const twice = [...byOffset].filter(([, n]) => n > 1).map(([key]) => key);
    const heldOffsets = inFlight.reduce((sum, u) => sum + u.len, 0);
    const { distinct } = countSeen(running);
    summary('SIGKILL one of 3', {
      produced: ids.length,
      consumed: all.length,
      distinct: distinct.size,
      duplicates: all.length - byOffset.size,
      unitsHeldByKilled: inFlight.length,
      offsetsHeldByKilled: heldOffsets,
      allDeliveredAfterMs: recoveredAfterMs,
    });
    expect(distinct.size).toBe(ids.length);
    expect(inFlight.length).toBeGreaterThan(0);
    expect(all.length - byOffset.size).toBeLessThanOrEqual(heldOffsets);
    for (const key of twice) {
      const [p, o] = key.split('/').map(Number) as [number, number];
      expect(inFlight.some((u) => u.partition === p && o >= u.offset && o < u.offset + u.len)).toBe(
        true,
      );
    }
  });
});
