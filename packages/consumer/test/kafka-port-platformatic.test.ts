import { createPlatformaticKafkaAccess } from '@kf/kafka-platformatic';
import { kafkaAccessConformance, type RangeReader } from '@kf/protocol/kafka-testkit';
import { describe, expect, test } from 'vitest';
import { useConformanceCluster } from './support/conformance-cluster.js';
import { expectLastStableOffsetWhileOpen } from './support/open-transaction.js';
import { readCarriedRange } from './support/read-range.js';

// @kf/kafka-platformatic's run of the conformance suite every KafkaAccess implementation
// runs, with the fixture the kafkajs port's run uses (kafka-port.test.ts), its optional
// long polls included: every range is also read as a unit the organiser cut from a poll's
// batches carries it.

const cluster = useConformanceCluster(1);

const newAccess = () =>
  createPlatformaticKafkaAccess({
    brokers: cluster.kafka().info.brokers,
    clientId: 'kf-port-platformatic-test',
  });

/** The records of a unit cut from a long poll, encoded, decoded and read as a worker does. */
const carriedByUnit: RangeReader = async (access, range) =>
  (await readCarriedRange(access, range, range)).records;

kafkaAccessConformance(
  { describe, test, expect },
  {
    name: '@platformatic/kafka, one broker',
    createAccess: newAccess,
    fixture: cluster.fixture,
    optionalMethods: ['awaitLogEnds', 'readRecords'],
    rangeReaders: { 'carried by a unit': carriedByUnit },
  },
);

test('offsets under read_committed end at the last stable offset while a transaction is open', () =>
  expectLastStableOffsetWhileOpen(cluster, newAccess));
