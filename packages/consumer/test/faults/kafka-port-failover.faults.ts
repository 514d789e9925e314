import { type KafkaService, startKafka } from '@kf/devstack';
import { kafkaAccessFailoverConformance } from '@kf/protocol/kafka-testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKafkaAccess } from '../../src/index.js';
import { type KafkajsFixture, kafkajsFixture } from '../support/kafkajs-fixture.js';

// The kafkajs port's run of the conformance suite's failover case: the leader dies.

let kafka: KafkaService;
let fixture: KafkajsFixture;

beforeAll(async () => {
  kafka = await startKafka({ brokers: 3 }); // replication 3, min.insync.replicas=2
  fixture = await kafkajsFixture(kafka);
});

afterAll(async () => {
  await fixture?.close();
  await kafka?.stop();
});

kafkaAccessFailoverConformance(
  { describe, test, expect },
  {
    name: 'kafkajs, three brokers',
    // Two retries: a fetch from the dead leader fails within seconds instead of kafkajs's
    // default five retries with backoff, well inside the case's wait for a new leader.
    createAccess: () =>
      createKafkaAccess({ brokers: kafka.info.brokers, clientId: 'kf-failover-test', retries: 2 }),
    fixture: () => fixture,
  },
);
