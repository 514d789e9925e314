import { createPlatformaticKafkaAccess } from '@kf/kafka-platformatic';
import { kafkaAccessConformance } from '@kf/protocol/kafka-testkit';
import { describe, expect, test } from 'vitest';
import { useConformanceCluster } from './support/conformance-cluster.js';

// @kf/kafka-platformatic's run of the conformance suite every KafkaAccess implementation
// runs, with the fixture the kafkajs port's run uses (kafka-port.test.ts). The port reads
// with fetches only: it declares no optional method.

const cluster = useConformanceCluster(1);

kafkaAccessConformance(
  { describe, test, expect },
  {
    name: '@platformatic/kafka, one broker',
    createAccess: () =>
      createPlatformaticKafkaAccess({
        brokers: cluster.kafka().info.brokers,
        clientId: 'kf-port-platformatic-test',
      }),
    fixture: cluster.fixture,
  },
);
