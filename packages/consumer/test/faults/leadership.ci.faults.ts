import type { KfConfigInput } from '@kf/core';
import {
  createTopic,
  type KafkaService,
  kafkaClient,
  type RedisSingle,
  startKafka,
  startRedisSingle,
  waitUntil,
} from '@kf/devstack';
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  duplicatesOutside,
  errorListed,
  faultSummary,
  heldUnits,
  leaderOf,
} from '../support/fault-kit.js';
import {
  countSeen,
  type NodeProcess,
  overlappingSchedules,
  startNodes,
} from '../support/node-processes.js';
import { produceInBackground, until } from '../support/produce.js';
import { startTogether } from '../support/start-together.js';

const LOCK_TTL_MS = 2_000;
const LEASE_TTL_MS = 2_000;
const TICK_MS = 100;

/**
 * The organiser's leader dies, or stalls past its lock and comes back: another node
 * takes over within the lock's TTL and no offset range is ever scheduled twice (the
 * fencing epoch refuses a deposed leader's writes). Every scenario prints one line:
 * produced, delivered, duplicates, error-listed, take-over time.
 */
describe('faults: the organiser leader', () => {
  let kafka: KafkaService;
  let redis: RedisSingle;
  let producer: Producer;
  let running: NodeProcess[] = [];
  let productions: Array<{ stop(): Promise<string[]> }> = [];
  let group = 0;

  beforeAll(async () => {
    [kafka, redis] = await startTogether(startKafka({ brokers: 1 }), startRedisSingle());
    producer = kafkaClient(kafka.info.brokers, 'kf-faults').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(productions.map((p) => p.stop()));
    productions = [];
    for (const n of running) n.signal('SIGCONT');
    await Promise.all(running.map((n) => n.stop()));
    running = [];
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all([kafka?.stop(), redis?.stop()]);
  });

  type Group = { redis: { groupName: string } };

  function config(): KfConfigInput & Group {
    group += 1;
    return {
      bootstrapBrokers: kafka.info.brokers,
      redis: { host: redis.info.host, port: redis.info.port, groupName: `faults-leader-${group}` },
      conf: {
        useEarliest: true,
        consumeStep: 200,
        leaderLockTtlMs: LOCK_TTL_MS,
        leaseTtlMs: LEASE_TTL_MS,
        workCalculateFreq: TICK_MS,
      },
    };
  }

  const leader = (among: NodeProcess[] = running) => leaderOf(among);
  const held = (conf: Group, node: NodeProcess) => heldUnits(redis.info, conf, node);

  test('the leader killed: another node leads within the lock TTL; no range scheduled twice', async () => {
    const topic = 'faults-leader-kill';
    await createTopic(kafka.info.brokers, { topic, partitions: 4 });
    const conf = config();
    running = await startNodes(3, (i) => ({
      config: conf,
      topics: [topic],
      nodeId: `${topic}-${i}`,
    }));
    const production = produceInBackground(producer, topic, { rate: 3_000, partitions: 4 });
    productions.push(production);
    await until(
      waitUntil,
      () => leader() !== undefined && countSeen(running).total > 3_000,
      'a leader and flow',
    );
    const victim = leader() as NodeProcess;
    victim.kill();
    await victim.report.exit;
    const killedAt = performance.timeOrigin + performance.now();
    const inFlight = await held(conf, victim);
    // The victim's last report still says it leads: it died without a word.
    const others = running.filter((n) => n !== victim);
    await until(waitUntil, () => leader(others) !== undefined, 'a new leader', 15_000);
    const next = leader(others) as NodeProcess;
    const takeoverMs = (next.report.leadership.at(-1)?.at ?? 0) - killedAt;
    await new Promise((r) => setTimeout(r, 2_000));
    const ids = await production.stop();
    await until(
      waitUntil,
      () => countSeen(running).distinct.size >= ids.length,
      'every message',
      60_000,
    );
    const { duplicates, outside } = duplicatesOutside(running, inFlight);
    const listed = await errorListed(redis.info, conf);
    faultSummary('leader SIGKILL', {
      produced: ids.length,
      delivered: countSeen(running).distinct.size,
      duplicates,
      errorListed: listed,
      takeoverMs: takeoverMs.toFixed(0),
    });
    expect(countSeen(running).distinct.size).toBe(ids.length);
    // The lock runs out at most a TTL after the kill; followers look again every quarter
    // TTL; then one tick and the report's trip over IPC.
    expect(takeoverMs).toBeLessThan(LOCK_TTL_MS + LOCK_TTL_MS / 4 + 3 * TICK_MS + 700);
    expect(overlappingSchedules(running)).toEqual([]);
    expect(outside).toEqual([]);
    expect(listed).toBe(0);
  });

  test('split brain: the leader paused past its TTL and resumed is fenced; no range scheduled twice', async () => {
    const topic = 'faults-leader-pause';
    await createTopic(kafka.info.brokers, { topic, partitions: 4 });
    const conf = config();
    running = await startNodes(3, (i) => ({
      config: conf,
      topics: [topic],
      nodeId: `${topic}-${i}`,
    }));
    const production = produceInBackground(producer, topic, { rate: 3_000, partitions: 4 });
    productions.push(production);
    await until(
      waitUntil,
      () => leader() !== undefined && countSeen(running).total > 3_000,
      'a leader and flow',
    );
    const paused = leader() as NodeProcess;
    const oldEpoch = paused.report.leadership.at(-1)?.epoch ?? 0;
    const inFlight = await held(conf, paused);
    paused.signal('SIGSTOP');
    const pausedAt = performance.timeOrigin + performance.now();
    await until(
      waitUntil,
      () => running.some((n) => n !== paused && n.report.leadership.at(-1)?.gained === true),
      'a new leader while the old one is paused',
      15_000,
    );
    const next = running.find(
      (n) => n !== paused && n.report.leadership.at(-1)?.gained,
    ) as NodeProcess;
    const takeoverMs = (next.report.leadership.at(-1)?.at ?? 0) - pausedAt;
    const newEpoch = next.report.leadership.at(-1)?.epoch ?? 0;
    // Still paused past its lease too, so its claimed units are recovered meanwhile.
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 1_000));
    paused.signal('SIGCONT');
    await until(
      waitUntil,
      () => paused.report.leadership.some((e) => !e.gained && e.epoch === oldEpoch),
      'the old leader to learn it was deposed',
      15_000,
    );
    const ids = await production.stop();
    await until(
      waitUntil,
      () => countSeen(running).distinct.size >= ids.length,
      'every message',
      60_000,
    );
    const { duplicates, outside } = duplicatesOutside(running, inFlight);
    const listed = await errorListed(redis.info, conf);
    faultSummary('leader SIGSTOP past its TTL, then SIGCONT', {
      produced: ids.length,
      delivered: countSeen(running).distinct.size,
      duplicates,
      errorListed: listed,
      takeoverMs: takeoverMs.toFixed(0),
      epochs: `${oldEpoch} → ${newEpoch}`,
    });
    expect(newEpoch).toBeGreaterThan(oldEpoch);
    expect(paused.report.leadership.find((e) => !e.gained && e.epoch === oldEpoch)?.reason).toBe(
      'deposed',
    );
    expect(countSeen(running).distinct.size).toBe(ids.length);
    expect(overlappingSchedules(running)).toEqual([]);
    expect(outside).toEqual([]);
    expect(listed).toBe(0);
  });
});
