import { createPlatformaticKafkaAccess } from '@kf/kafka-platformatic';
import { kafkaAccessFailoverConformance } from '@kf/protocol/kafka-testkit';
import { describe, expect, test } from 'vitest';
import { useConformanceCluster } from '../support/conformance-cluster.js';

// @kf/kafka-platformatic's run of the conformance suite's failover case: the leader dies.

const cluster = useConformanceCluster(3);

kafkaAccessFailoverConformance(
  { describe, test, expect },
  {
    name: '@platformatic/kafka, three brokers',
    // Two retries of a metadata load, as the kafkajs run: well inside the case's wait
    // for a new leader.
    createAccess: () =>
      createPlatformaticKafkaAccess({
        brokers: cluster.kafka().info.brokers,
        clientId: 'kf-failover-test',
        retries: 2,
      }),
    fixture: cluster.fixture,
  },
);
