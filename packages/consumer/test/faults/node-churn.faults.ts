import type { KfConfigInput } from '@kf/core';
import {
  createTopic,
  type KafkaService,
  kafkaClient,
  type RedisSingle,
  startKafka,
  startRedisSingle,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { WorkUnit } from '../../src/work-unit/work-unit.js';
import {
  duplicatesOutside,
  errorListed,
  faultSummary,
  heldUnits,
  leaderOf,
} from '../support/fault-kit.js';
import { countSeen, NodeProcess, overlappingSchedules } from '../support/node-processes.js';
import { produceInBackground, until } from '../support/produce.js';
import { startTogether } from '../support/start-together.js';

const LEASE_TTL_MS = 2_000;
const TICK_MS = 100;
const MESSAGES_PER_SECOND = 10_000;
const RUN_MS = 22_000;
const KILL_EVERY_MS = 3_000;

/**
 * Node churn: during a run of more than 200k messages a node is killed with SIGKILL every
 * few seconds and a new one started in its place. Every message arrives; duplicates come
 * only from the killed nodes' claimed units; each dead node's units are back in the work
 * list within its lease TTL and the leader's recovery cadence.
 */
describe('faults: node churn', () => {
  let kafka: KafkaService;
  let redis: RedisSingle;
  let producer: Producer;
  const running: NodeProcess[] = [];

  beforeAll(async () => {
    [kafka, redis] = await startTogether(startKafka({ brokers: 1 }), startRedisSingle());
    producer = kafkaClient(kafka.info.brokers, 'kf-faults-churn').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(running.map((n) => n.stop()));
    await producer?.disconnect();
    await Promise.all([kafka?.stop(), redis?.stop()]);
  });

  test('a node killed every 3 s and replaced: nothing lost, duplicates only from the dead', async () => {
    const topic = 'faults-churn';
    await createTopic(kafka.info.brokers, { topic, partitions: 8 });
    const conf: KfConfigInput & { redis: { groupName: string } } = {
      bootstrapBrokers: kafka.info.brokers,
      redis: { host: redis.info.host, port: redis.info.port, groupName: 'faults-churn' },
      conf: {
        useEarliest: true,
        consumeStep: 1_000,
        leaseTtlMs: LEASE_TTL_MS,
        workCalculateFreq: TICK_MS,
      },
    };
    let started = 0;
    const startNode = async () => {
      const node = new NodeProcess({
        config: conf,
        topics: [topic],
        nodeId: `${topic}-${started++}`,
        pauseMs: 2,
      });
      running.push(node);
      await node.started();
      return node;
    };
    for (let i = 0; i < 3; i++) await startNode();
    const production = produceInBackground(producer, topic, {
      rate: MESSAGES_PER_SECOND,
      partitions: 8,
    });
    const killed = new Set<NodeProcess>();
    const deadUnits: WorkUnit[] = [];
    const recoveries: number[] = [];
    const deadline = Date.now() + RUN_MS;
    let kills = 0;
    try {
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
        const alive = running.filter((n) => !killed.has(n));
        // Not the leader: its death is the leadership scenario; here the bound is the lease.
        const victim = alive.find((n) => n !== leaderOf(alive));
        if (victim === undefined) continue;
        victim.kill();
        killed.add(victim);
        await victim.report.exit;
        const killedAt = Date.now();
        const held = await heldUnits(redis.info, conf, victim);
        deadUnits.push(...held);
        kills += 1;
        const replacement = startNode();
        if (held.length > 0) {
          await until(
            waitUntil,
            async () =>
              (await withRedis(redis.info, (c) =>
                c.llen(`kf:{${conf.redis.groupName}}:working:${victim.report.nodeId}`),
              )) === 0,
            `the units of ${victim.report.nodeId} recovered`,
            15_000,
          );
          recoveries.push(Date.now() - killedAt);
        }
        await replacement;
      }
    } finally {
      const ids = await production.stop();
      await until(
        waitUntil,
        () => countSeen(running).distinct.size >= ids.length,
        'every message',
        120_000,
      );
      const { duplicates, outside } = duplicatesOutside(running, deadUnits);
      const listed = await errorListed(redis.info, conf);
      const heldOffsets = deadUnits.reduce((sum, u) => sum + u.len, 0);
      faultSummary('node churn, SIGKILL every 3 s', {
        produced: ids.length,
        delivered: countSeen(running).distinct.size,
        duplicates,
        errorListed: listed,
        kills,
        unitsHeldByKilled: deadUnits.length,
        offsetsHeldByKilled: heldOffsets,
        recoveryMs: recoveries.length
          ? `${Math.min(...recoveries)}–${Math.max(...recoveries)}`
          : 'n/a',
      });
      expect(ids.length).toBeGreaterThanOrEqual(200_000);
      expect(kills).toBeGreaterThanOrEqual(5);
      expect(countSeen(running).distinct.size).toBe(ids.length);
      expect(outside).toEqual([]);
      expect(duplicates).toBeLessThanOrEqual(heldOffsets);
      expect(overlappingSchedules(running)).toEqual([]);
      expect(listed).toBe(0);
      // Lease TTL, then the leader's recovery check (every quarter TTL) and a tick.
      for (const ms of recoveries)
        expect(ms).toBeLessThan(LEASE_TTL_MS + LEASE_TTL_MS / 4 + TICK_MS + 1_000);
    }
  });
});
