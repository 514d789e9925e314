import { createTopic, type KafkaService, kafkaClient, startKafka, waitUntil } from '@kf/devstack';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createKafkaAccess,
  type FetchResult,
  isKafkaAccessError,
  type KafkaAccess,
  KafkaErrorCode,
  NotLeaderError,
} from '../../src/index.js';
import { readRange, text } from '../support/read-range.js';

describe('Kafka port on kafkajs, three brokers: the leader dies', () => {
  let kafka: KafkaService;
  let access: KafkaAccess;
  const topic = 'failover';
  const produced = Array.from({ length: 300 }, (_, i) => `m-${i}`);

  beforeAll(async () => {
    kafka = await startKafka({ brokers: 3 }); // replication 3, min.insync.replicas=2
    await createTopic(kafka.info.brokers, { topic, replicationFactor: 3 });
    const producer = kafkaClient(kafka.info.brokers, 'kf-failover-producer').producer();
    await producer.connect();
    try {
      for (let i = 0; i < produced.length; i += 50) {
        await producer.send({
          topic,
          acks: -1,
          messages: produced.slice(i, i + 50).map((value) => ({ partition: 0, value })),
        });
      }
    } finally {
      await producer.disconnect();
    }
    access = createKafkaAccess({
      brokers: kafka.info.brokers,
      clientId: 'kf-failover-test',
      retries: 2,
    });
  });

  afterAll(async () => {
    await access?.close();
    await kafka?.stop();
  });

  test('kill -9 of the leader: the port reports not-leader, and after a metadata refresh reads everything from the new leader', async () => {
    const before = await access.metadata([topic]);
    const oldLeader = before.topics[0]?.partitions[0]?.leader ?? -1;
    expect([1, 2, 3]).toContain(oldLeader);
    expect((await access.offsets(topic))[0]).toEqual({ partition: 0, earliest: 0, latest: 300 });

    const victim = kafka.processes.find((p) => p.name === `kafka-${oldLeader}`);
    expect(victim?.running).toBe(true);
    victim?.signal('SIGKILL');
    await waitUntil(async () => (victim?.running ? undefined : true), {
      what: 'the killed broker to exit',
      timeoutMs: 10_000,
    });

    // The cached metadata still names the dead broker: the fetch fails with a typed error.
    const request = {
      topic,
      partition: 0,
      offset: 0,
      maxBytes: 64 * 1024,
      maxWaitMs: 100,
      isolation: 'read_committed' as const,
    };
    const failure = await access.fetch(request).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(NotLeaderError);
    expect(isKafkaAccessError(failure, KafkaErrorCode.NotLeader)).toBe(true);
    expect((failure as NotLeaderError).nodeId).toBe(oldLeader);

    // What a worker does: refresh the metadata and retry until a new leader serves it.
    const first = await waitUntil<FetchResult>(
      async () => {
        try {
          await access.refreshMetadata([topic]);
          return await access.fetch(request);
        } catch (error) {
          if (error instanceof NotLeaderError) return undefined; // not elected yet: retry
          throw error;
        }
      },
      { what: 'a fetch from the new leader', timeoutMs: 45_000, intervalMs: 250 },
    );
    expect(first.records[0]?.offset).toBe(0);
    const after = await access.metadata([topic]);
    const newLeader = after.topics[0]?.partitions[0]?.leader;
    expect(newLeader).not.toBe(oldLeader);
    expect([1, 2, 3]).toContain(newLeader);

    // Nothing acknowledged with acks=-1 and min.insync.replicas=2 is lost.
    const read = await readRange(
      access,
      { topic, partition: 0, offset: 0, len: produced.length },
      { maxBytes: 4096, isolation: 'read_committed' },
    );
    expect(read.records.map((r) => text(r.value))).toEqual(produced);
    expect(read.records.map((r) => r.offset)).toEqual(produced.map((_, i) => i));
  });
});
