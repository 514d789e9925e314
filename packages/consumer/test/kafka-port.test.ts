import { kafkaAccessConformance, pollBatches, type RangeReader } from '@kf/protocol/kafka-testkit';
import { describe, expect, test } from 'vitest';
import { createKafkaAccess } from '../src/index.js';
import { unitRecords } from '../src/organiser/unit-records.js';
import { useConformanceCluster } from './support/conformance-cluster.js';
import { expectLastStableOffsetWhileOpen } from './support/open-transaction.js';
import { readCarriedRange } from './support/read-range.js';

// The kafkajs port's run of the conformance suite every KafkaAccess implementation runs,
// plus what only kf's consumer does with the port: units that carry the records a long
// poll brought, cut by the organiser and read by a worker instead of a fetch.

const cluster = useConformanceCluster(1);

const newAccess = () =>
  createKafkaAccess({ brokers: cluster.kafka().info.brokers, clientId: 'kf-port-test' });

/** The records of a unit cut from a long poll, encoded, decoded and read as a worker does. */
const carriedByUnit: RangeReader = async (access, range) =>
  (await readCarriedRange(access, range, range)).records;

kafkaAccessConformance(
  { describe, test, expect },
  {
    name: 'kafkajs, one broker',
    createAccess: newAccess,
    fixture: cluster.fixture,
    optionalMethods: ['awaitLogEnds', 'readRecords'],
    rangeReaders: { 'carried by a unit': carriedByUnit },
  },
);

describe('the kafkajs port in kf’s consumer', () => {
  test('offsets under read_committed end at the last stable offset while a transaction is open', () =>
    expectLastStableOffsetWhileOpen(cluster, newAccess));

  test('a unit carries no records the poll did not bring in full, nor more bytes than allowed', async () => {
    const topic = 'units-cut';
    const fixture = cluster.fixture();
    await fixture.createTopic({ topic, replicationFactor: 1 });
    for (let b = 0; b < 3; b++) {
      // Batches [0,10), [10,20), [20,30).
      await fixture.produce(
        topic,
        0,
        Array.from({ length: 10 }, (_, i) => ({ value: `value-${b * 10 + i}` })),
      );
    }
    const access = newAccess();
    try {
      // The poll reads from 10, the second batch's base offset, to the end (30).
      const poll = { topic, partition: 0, from: 10, isolation: 'read_uncommitted' } as const;
      const polled = await pollBatches(access, poll);
      expect(polled).toMatchObject({ from: 10, to: 30 });
      expect(unitRecords(polled, 10, 30, 1_048_576, 'read_uncommitted')).toBeDefined();
      // Below where the poll read from: offsets it may not hold.
      expect(unitRecords(polled, 5, 15, 1_048_576, 'read_uncommitted')).toBeUndefined();
      // Past the poll's last whole batch.
      expect(unitRecords(polled, 25, 31, 1_048_576, 'read_uncommitted')).toBeUndefined();
      // One batch of 10 records is a few hundred bytes: over a 100-byte allowance.
      expect(unitRecords(polled, 10, 12, 100, 'read_uncommitted')).toBeUndefined();
      expect(unitRecords(polled, 10, 12, 0, 'read_uncommitted')).toBeUndefined();
    } finally {
      await access.close();
    }
  });
});
