import { createTopic, startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import type { UnitsScheduledEvent } from '../src/index.js';
import { gate } from './support/gates.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

describe('a paused group', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-pause-test' });
  const { config, node } = useGroupNodes(stack, { prefix: 'pause-test' });

  test('schedules nothing new while paused, runs what was queued, and goes on once resumed', async () => {
    const topic = 'paused';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 2 });
    const workCalculateFreq = 50;
    const conf = config({ useEarliest: true, consumeStep: 5, workCalculateFreq, concurrency: 1 });
    const pausedKey = `kf:{${conf.redis.groupName}}:paused`;
    const n = await node(conf, [topic]);
    const scheduled: UnitsScheduledEvent[] = [];
    n.on('unitsScheduled', (e) => scheduled.push(e));
    const offsetsScheduled = () => scheduled.reduce((sum, e) => sum + e.to - e.from, 0);
    const held = gate();
    const delivered = new Set<string>();
    await n.run({
      eachMessage: async ({ message }) => {
        await held.opened;
        delivered.add(String(message.value));
      },
    });
    // One unit runs (held), the other three wait in the work list.
    const first = await produceIds(stack.producer, topic, { count: 20, partitions: 2 });
    await until(waitUntil, () => offsetsScheduled() === 20, 'the first 20 scheduled');

    await withRedis(stack.redis.info, (redis) => redis.set(pausedKey, '{"by":"test"}'));
    // The leader looks at the flag on every tick: within a few ticks it has seen it.
    await until(waitUntil, () => n.status().paused, 'the pause seen', 10_000);
    const second = await produceIds(stack.producer, topic, {
      count: 20,
      partitions: 2,
      start: 20,
    });
    held.open();
    await until(waitUntil, () => first.every((id) => delivered.has(id)), 'the queued 20 run');
    // Twenty ticks with new offsets waiting: a leader that ignored the flag would have
    // scheduled them on the first.
    await new Promise((resolve) => setTimeout(resolve, 20 * workCalculateFreq));
    expect(offsetsScheduled()).toBe(20);
    expect(second.filter((id) => delivered.has(id))).toEqual([]);

    await withRedis(stack.redis.info, (redis) => redis.del(pausedKey));
    await until(waitUntil, () => second.every((id) => delivered.has(id)), 'the second 20');
    expect(n.status().paused).toBe(false);
    expect(delivered.size).toBe(40);
  });
});
