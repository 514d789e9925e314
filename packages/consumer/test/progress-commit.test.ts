import { randomUUID } from 'node:crypto';
import { createRedis, DEFAULT_CONSUMER_CONF, type GroupKeys, groupKeys } from '@kf/core';
import { type RedisSingle, startRedisSingle, withRedis } from '@kf/devstack';
import { type IRedis, silentLogger } from '@kf/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { KafkaAccess, PartitionOffset } from '../src/kafka/kafka-access.js';
import { CommittedStarts } from '../src/organiser/committed-starts.js';
import { ProgressCommit } from '../src/organiser/progress-commit.js';
import { completedWatermarks, readProgress } from '../src/progress/completed-watermarks.js';
import { within } from './support/gates.js';

/** A Kafka port whose group calls the test answers; the rest is never used here. */
function groupCalls(calls: Pick<KafkaAccess, 'commitOffsets' | 'committedOffsets'>) {
  return calls as unknown as KafkaAccess;
}

const capture = () => {
  const warned: string[] = [];
  return { warned, logger: { ...silentLogger, warn: (_: object, m: string) => warned.push(m) } };
};

describe('completed watermarks and the commit of progress', () => {
  let server: RedisSingle;
  let redis: IRedis;
  let keys: GroupKeys;

  beforeAll(async () => {
    server = await startRedisSingle();
    redis = await createRedis({ host: server.info.host, port: server.info.port, groupName: 'p' });
  });
  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });
  beforeEach(() => {
    keys = groupKeys(`progress-${randomUUID()}`);
  });

  /** Saved offsets and pending unit starts, written as the scripts would leave them. */
  async function seed(saved: Record<string, number>, pending: Record<string, number[]>) {
    await withRedis(server.info, async (c) => {
      await c.set(keys.epoch, '3');
      for (const [field, offset] of Object.entries(saved)) c.hset(keys.offsets, field, offset);
      for (const [field, starts] of Object.entries(pending)) {
        const [topic, partition] = field.split('/') as [string, string];
        for (const start of starts) {
          await c.zadd(keys.pending(topic, Number(partition)), start, `${field}/${start}~u`);
        }
      }
    });
  }

  test('the watermark is the lowest pending start, else the saved offset; read with the epoch', async () => {
    await seed({ 'a/0': 100, 'a/1': 50, 'b/0': 7 }, { 'a/0': [60, 40, 80], 'b/0': [3] });
    expect(
      await readProgress(redis, keys, [
        { topic: 'a', partition: 0 },
        { topic: 'a', partition: 1 },
        { topic: 'a', partition: 2 },
      ]),
    ).toEqual({
      epoch: 3,
      partitions: [
        { topic: 'a', partition: 0, scheduled: 100, completed: 40 },
        { topic: 'a', partition: 1, scheduled: 50, completed: 50 },
      ],
    });
    expect(await completedWatermarks(redis, keys, ['b'])).toEqual([
      { topic: 'b', partition: 0, scheduled: 7, completed: 3 },
    ]);
  });

  test('a saved offset reset below units still pending is the watermark', async () => {
    await seed({ 'a/0': 10 }, { 'a/0': [40] });
    expect(await completedWatermarks(redis, keys)).toEqual([
      { topic: 'a', partition: 0, scheduled: 10, completed: 10 },
    ]);
  });

  test('a commit that never ends holds up neither the caller nor the next term, and a close waits for it a bounded time', async () => {
    await seed({ 'a/0': 5 }, {});
    const sent: PartitionOffset[][] = [];
    const kafka = groupCalls({
      commitOffsets: async (_group, offsets) => {
        sent.push(offsets);
        return new Promise<void>(() => undefined); // a coordinator that never answers
      },
      committedOffsets: async () => [],
    });
    const { warned, logger } = capture();
    const commit = new ProgressCommit({
      redis,
      keys,
      kafka,
      conf: { ...DEFAULT_CONSUMER_CONF, commitIntervalMs: 100 },
      groupId: 'g',
      logger,
    });
    commit.kick(3, [{ topic: 'a', partition: 0 }]);
    await within(
      (async () => {
        while (sent.length === 0) await new Promise((r) => setTimeout(r, 5));
      })(),
      5_000,
      'the first commit sent',
    );
    expect(sent).toEqual([[{ topic: 'a', partition: 0, offset: 5 }]]);
    // Still in flight: no second commit is stacked on it, however often it is kicked.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 50));
      commit.kick(3, [{ topic: 'a', partition: 0 }]);
    }
    expect(sent).toHaveLength(1);
    // The close gives up within its 3 s bound (plus a second of margin) and says so.
    await within(commit.last(3, [{ topic: 'a', partition: 0 }]), 4_000, 'the last commit');
    expect(warned.filter((m) => m.startsWith('committing progress'))).toHaveLength(1);
  }, 10_000);

  test('a deposed leader does not commit: the epoch read with the watermark is not its own', async () => {
    await seed({ 'a/0': 5 }, {});
    const sent: PartitionOffset[][] = [];
    const kafka = groupCalls({
      commitOffsets: async (_group, offsets) => void sent.push(offsets),
      committedOffsets: async () => [],
    });
    const commit = new ProgressCommit({
      redis,
      keys,
      kafka,
      conf: DEFAULT_CONSUMER_CONF,
      groupId: 'g',
      logger: silentLogger,
    });
    await commit.last(2, [{ topic: 'a', partition: 0 }]);
    expect(sent).toEqual([]);
    await commit.last(3, [{ topic: 'a', partition: 0 }]);
    expect(sent).toEqual([[{ topic: 'a', partition: 0, offset: 5 }]]);
  });
});

describe("reading a Kafka group's committed offsets for partitions with nothing saved", () => {
  const refusal = Object.assign(
    new Error('Kafka read the offsets failed: GROUP_AUTHORIZATION_FAILED'),
    {
      cause: { code: 30, retriable: false },
    },
  );
  const timeout = Object.assign(new Error('Kafka read the offsets failed: timed out'), {
    cause: { name: 'KafkaJSRequestTimeoutError' },
  });

  // A tick's worth of waiting, as the organiser passes at its default tick.
  const WAIT_MS = 100;

  test('a read that ends within the wait answers the same look; partitions answered are not asked again', async () => {
    const asked: number[][] = [];
    const starts = new CommittedStarts(
      groupCalls({
        commitOffsets: async () => undefined,
        committedOffsets: async (_g, topic, partitions) => {
          asked.push(partitions);
          return partitions
            .filter((p) => p === 1)
            .map((partition) => ({ topic, partition, offset: 9 }));
        },
      }),
      'g',
      silentLogger,
    );
    expect(await starts.lookup('t', [0, 1], WAIT_MS)).toEqual(new Map([[1, 9]]));
    expect(await starts.lookup('t', [1], WAIT_MS)).toEqual(new Map([[1, 9]]));
    expect(asked).toEqual([[0, 1]]);
    expect(await starts.lookup('t', [], WAIT_MS)).toEqual(new Map());
  });

  test('a read slower than the wait leaves the partitions waiting, and a later look gets its answer', async () => {
    let answer: () => void = () => undefined;
    let calls = 0;
    const starts = new CommittedStarts(
      groupCalls({
        commitOffsets: async () => undefined,
        committedOffsets: (_g, topic) => {
          calls += 1;
          return new Promise((resolve) => {
            answer = () => resolve([{ topic, partition: 0, offset: 4 }]);
          });
        },
      }),
      'g',
      silentLogger,
    );
    const started = performance.now();
    expect(await starts.lookup('t', [0], WAIT_MS)).toBeUndefined();
    // Waited its bound (the read is answered only below: waiting for it would hang).
    expect(performance.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 1);
    answer();
    expect(await starts.lookup('t', [0], WAIT_MS)).toEqual(new Map([[0, 4]]));
    expect(calls).toBe(1);
  });

  test('a refusal asking again cannot cure reads as "none committed", said once', async () => {
    const { warned, logger } = capture();
    const starts = new CommittedStarts(
      groupCalls({
        commitOffsets: async () => undefined,
        committedOffsets: async () => {
          throw refusal;
        },
      }),
      'g',
      logger,
    );
    expect(await starts.lookup('t', [0], WAIT_MS)).toEqual(new Map());
    expect(await starts.lookup('t', [0], WAIT_MS)).toEqual(new Map());
    expect(warned).toEqual([expect.stringContaining('cannot be read')]);
  });

  test('a timeout keeps the partitions waiting, asks again after a second, and is reported once', async () => {
    const { warned, logger } = capture();
    let calls = 0;
    const starts = new CommittedStarts(
      groupCalls({
        commitOffsets: async () => undefined,
        committedOffsets: async () => {
          calls += 1;
          if (calls === 1) throw timeout;
          return [];
        },
      }),
      'g',
      logger,
    );
    expect(await starts.lookup('t', [0], WAIT_MS)).toBeUndefined();
    expect(await starts.lookup('t', [0], WAIT_MS)).toBeUndefined();
    expect(calls).toBe(1);
    // RETRY_AFTER_MS is 1000: a look after it asks again (the margin is 100 ms).
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await starts.lookup('t', [0], WAIT_MS)).toEqual(new Map());
    expect(calls).toBe(2);
    expect(warned).toEqual([expect.stringContaining('wait until it can be read')]);
  });
});
