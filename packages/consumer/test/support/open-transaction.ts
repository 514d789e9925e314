import { kafkaClient } from '@kf/devstack';
import type { KafkaAccess } from '@kf/protocol';
import { expect } from 'vitest';
import type { ConformanceCluster } from './conformance-cluster.js';

/**
 * What the organiser relies on under `read_committed`: while a transaction is open the
 * log's readable end is the last stable offset, not the high watermark. Writes two
 * committed records to a topic of its own, opens a transaction of three, and reads the
 * topic's offsets both ways, through a fresh access, before aborting it.
 */
export async function expectLastStableOffsetWhileOpen(
  cluster: ConformanceCluster,
  createAccess: () => KafkaAccess,
): Promise<void> {
  const topic = 'open-transaction';
  const brokers = cluster.kafka().info.brokers;
  await cluster.fixture().createTopic({ topic, replicationFactor: 1 });
  const access = createAccess();
  const client = kafkaClient(brokers, `${topic}-tx`);
  const plain = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  const tx = client.producer({
    transactionalId: `${topic}-tx`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await Promise.all([plain.connect(), tx.connect()]);
  try {
    await plain.send({ topic, acks: -1, messages: [{ value: 'c0' }, { value: 'c1' }] });
    const transaction = await tx.transaction();
    try {
      await transaction.send({
        topic,
        messages: [{ value: 'o0' }, { value: 'o1' }, { value: 'o2' }],
      });
      const [committed] = await access.offsets(topic, 'read_committed');
      const [uncommitted] = await access.offsets(topic, 'read_uncommitted');
      expect(committed).toMatchObject({ partition: 0, latest: 2 });
      expect(uncommitted).toMatchObject({ partition: 0, latest: 5 });
    } finally {
      await transaction.abort();
    }
  } finally {
    await Promise.all([plain.disconnect(), tx.disconnect(), access.close()]);
  }
}
