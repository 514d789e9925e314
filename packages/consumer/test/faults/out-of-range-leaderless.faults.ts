import { waitUntil } from '@kf/devstack';
import { createPlatformaticKafkaAccess } from '@kf/kafka-platformatic';
import { type KafkaAccess, NotLeaderError, OffsetOutOfRangeError } from '@kf/protocol';
import { beforeAll, describe, expect, test } from 'vitest';
import { createKafkaAccess } from '../../src/index.js';
import { useConformanceCluster } from '../support/conformance-cluster.js';
import { until } from '../support/produce.js';

// An out-of-range fetch reads the range of its own partition only: another partition of
// the topic without a leader (its only replica's broker killed) does not leave the range
// unknown, which would make the worker retry, then error-list whole, a unit whose head
// retention deleted.

const cluster = useConformanceCluster(3);
const topic = 'out-of-range-leaderless';
const RECORDS = 5;

describe('an out-of-range fetch while another partition of its topic has no leader', () => {
  let readable = 0;
  /** The brokers still running, as seeds. */
  let alive: string[] = [];
  beforeAll(async () => {
    const fixture = cluster.fixture();
    await fixture.createTopic({ topic, partitions: 3, replicationFactor: 1 });
    for (let p = 0; p < 3; p++) {
      await fixture.produce(
        topic,
        p,
        Array.from({ length: RECORDS }, (_, i) => ({ value: `v${i}` })),
      );
    }
    const access = createKafkaAccess({ brokers: cluster.kafka().info.brokers, clientId: 'kf-oor' });
    try {
      const [meta] = (await access.refreshMetadata([topic])).topics;
      const partitions = meta?.partitions ?? [];
      const lost = partitions.find((p) => p.leader !== partitions[0]?.leader);
      if (lost === undefined) throw new Error('every partition has the same leader');
      readable = (partitions[0] as { partition: number }).partition;
      await fixture.killBroker(lost.leader);
      alive = cluster
        .kafka()
        .info.nodes.filter((n) => n.nodeId !== lost.leader)
        .map((n) => `${n.host}:${n.port}`);
      // Its only replica is gone: the partition has no leader once the controller says so
      // (asked through the brokers still running).
      const watcher = createPlatformaticKafkaAccess({ brokers: alive, clientId: 'kf-oor-watch' });
      try {
        await until(
          waitUntil,
          async () =>
            (await watcher.refreshMetadata([topic])).topics[0]?.partitions.find(
              (p) => p.partition === lost.partition,
            )?.leader === -1,
          'the partition without a leader',
          30_000,
        );
      } finally {
        await watcher.close();
      }
    } finally {
      await access.close();
    }
  });

  const outOfRangeFetch = (access: KafkaAccess) =>
    access
      .fetch({
        topic,
        partition: readable,
        offset: 100,
        maxBytes: 1024,
        maxWaitMs: 50,
        isolation: 'read_uncommitted',
      })
      .catch((e: unknown) => e);

  test('@platformatic/kafka: the error carries its own partition range', async () => {
    const access = createPlatformaticKafkaAccess({
      brokers: alive,
      clientId: 'kf-oor',
      retries: 1,
    });
    try {
      const error = await outOfRangeFetch(access);
      expect(error).toBeInstanceOf(OffsetOutOfRangeError);
      expect(error).toMatchObject({ partition: readable, earliest: 0, latest: RECORDS });
    } finally {
      await access.close();
    }
  });

  test('kafkajs: its metadata load of the topic fails while a partition has no leader, so the fetch is not-leader (retried, no attempt spent)', async () => {
    // kafkajs retries a metadata answer with a leaderless partition, then gives up: a
    // node on kafkajs reads such a topic again once the partition has a leader.
    const access = createKafkaAccess({ brokers: alive, clientId: 'kf-oor', retries: 1 });
    try {
      const error = await outOfRangeFetch(access);
      expect(error).toBeInstanceOf(NotLeaderError);
    } finally {
      await access.close();
    }
  });
});
