import { createTopic, kafkaClient, startRedisSingle, waitUntil } from '@kf/devstack';
import { afterAll, describe, expect, test } from 'vitest';
import { createNode, type KfNode } from '../../src/index.js';
import { faultSummary } from '../support/fault-kit.js';
import { singleRedisConfig } from '../support/fault-runs.js';
import { produceIds, until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

const TICK_MS = 100; // conf.workCalculateFreq, its default
const CONSUME_STEP = 100;

// Every wall-clock bound below is configuration plus a stated margin.
/**
 * Start → the 1 000 offsets scheduled: the only node takes the free lock on its first
 * tick and schedules them (10 units of CONSUME_STEP, within the work list's room) on
 * that tick or the next; a margin of 5 s (the first metadata load, a loaded machine).
 */
const SCHEDULED_BOUND_MS = 2 * TICK_MS + 5_000;
/**
 * Run → the 550 offsets the log still holds delivered: a few units of CONSUME_STEP
 * from a local broker take well under a second; a margin of 10 s (a loaded machine).
 */
const DELIVERED_BOUND_MS = 10_000;

/**
 * Retention deletes offsets that were scheduled but not consumed yet: their units go to
 * the error list with OFFSET_OUT_OF_RANGE and the range, never skipped silently, and
 * scheduling goes on from the earliest offset.
 */
describe('faults: retention overtakes the consumers', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-faults-retention' });
  const nodes: KfNode[] = [];

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });

  test('scheduled units whose offsets were deleted are error-listed with their range', async () => {
    const topic = 'faults-retention';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 1 });
    const ids = await produceIds(stack.producer, topic, { count: 1_000, partitions: 1 });
    const config = singleRedisConfig(stack, 'faults-retention', {
      useEarliest: true,
      consumeStep: CONSUME_STEP,
    });
    // A node that schedules but does not consume yet: the units wait in Redis.
    const organiser = await createNode(config, [topic]);
    nodes.push(organiser);
    const scheduled: Array<[number, number]> = [];
    organiser.on('unitsScheduled', (e) => scheduled.push([e.from, e.to]));
    await until(
      waitUntil,
      () => scheduled.some(([, to]) => to === 1_000),
      'the backlog scheduled',
      SCHEDULED_BOUND_MS,
    );
    const admin = kafkaClient(stack.kafka.info.brokers, 'kf-faults-retention-admin').admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '650' }] });
    await admin.disconnect();
    const later = await produceIds(stack.producer, topic, {
      count: 200,
      partitions: 1,
      start: 1_000,
    });
    const seen: string[] = [];
    await organiser.run({
      eachMessage: async ({ message }) => void seen.push(String(message.value)),
    });
    const kept = [...ids.slice(650), ...later];
    await until(
      waitUntil,
      () => seen.length >= kept.length,
      'every offset still held',
      DELIVERED_BOUND_MS,
    );
    const entries = await organiser.errors.list({ limit: 1_000 });
    const lost = entries.flatMap((e) =>
      typeof e.unit === 'string' ? [] : [[e.unit.offset, e.unit.offset + e.unit.len]],
    );
    const listedOffsets = lost.reduce((sum, [from = 0, to = 0]) => sum + (to - from), 0);
    faultSummary('retention deletes [0, 650) after it was scheduled', {
      produced: ids.length + later.length,
      delivered: seen.length,
      errorListedUnits: entries.length,
      errorListedOffsets: listedOffsets,
    });
    expect(new Set(entries.map((e) => e.reason))).toEqual(new Set(['OFFSET_OUT_OF_RANGE']));
    expect(entries[0]?.detail).toMatch(/^offsets \[\d+, \d+\) of faults-retention\/0: /);
    // Every deleted offset is accounted for: delivered before the deletion, or listed.
    expect(listedOffsets).toBe(650);
    expect(seen.sort()).toEqual([...kept].sort());
  });
});
