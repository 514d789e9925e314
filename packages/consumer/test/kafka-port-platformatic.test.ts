import { createPlatformaticKafkaAccess } from '@kf/kafka-platformatic';
import { kafkaAccessConformance } from '@kf/protocol/kafka-testkit';
import { describe, expect, test } from 'vitest';
import { useConformanceCluster } from './support/conformance-cluster.js';
import { expectLastStableOffsetWhileOpen } from './support/open-transaction.js';

// @kf/kafka-platformatic's run of the conformance suite every KafkaAccess implementation
// runs, with the fixture the kafkajs port's run uses (kafka-port.test.ts). The port reads
// with fetches only: it declares no optional method.

const cluster = useConformanceCluster(1);

const newAccess = () =>
  createPlatformaticKafkaAccess({
    brokers: cluster.kafka().info.brokers,
    clientId: 'kf-port-platformatic-test',
  });

kafkaAccessConformance(
  { describe, test, expect },
  { name: '@platformatic/kafka, one broker', createAccess: newAccess, fixture: cluster.fixture },
);

test('offsets under read_committed end at the last stable offset while a transaction is open', () =>
  expectLastStableOffsetWhileOpen(cluster, newAccess));
