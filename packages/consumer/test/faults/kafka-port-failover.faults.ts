import { kafkaAccessFailoverConformance } from '@kf/protocol/kafka-testkit';
import { describe, expect, test } from 'vitest';
import { createKafkaAccess } from '../../src/index.js';
import { useConformanceCluster } from '../support/conformance-cluster.js';

// The kafkajs port's run of the conformance suite's failover case: the leader dies.

const cluster = useConformanceCluster(3);

kafkaAccessFailoverConformance(
  { describe, test, expect },
  {
    name: 'kafkajs, three brokers',
    // Two retries: a fetch from the dead leader fails within seconds instead of kafkajs's
    // default five retries with backoff, well inside the case's wait for a new leader.
    createAccess: () =>
      createKafkaAccess({
        brokers: cluster.kafka().info.brokers,
        clientId: 'kf-failover-test',
        retries: 2,
      }),
    fixture: cluster.fixture,
  },
);
