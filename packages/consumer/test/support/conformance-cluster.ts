import { type KafkaService, startKafka } from '@kf/devstack';
import { afterAll, beforeAll } from 'vitest';
import { type KafkajsFixture, kafkajsFixture } from './kafkajs-fixture.js';

export interface ConformanceCluster {
  kafka(): KafkaService;
  fixture(): KafkajsFixture;
}

/**
 * A cluster of the calling file's own for a run of the `KafkaAccess` conformance suite
 * (3 brokers: replication 3, min.insync.replicas=2, for the failover case), with the
 * kafkajs fixture every implementation's run writes through; stopped after the file.
 */
export function useConformanceCluster(brokers: 1 | 3): ConformanceCluster {
  let kafka: KafkaService | undefined;
  let fixture: KafkajsFixture | undefined;
  beforeAll(async () => {
    kafka = await startKafka({ brokers });
    fixture = await kafkajsFixture(kafka);
  });
  afterAll(async () => {
    await fixture?.close();
    await kafka?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the conformance cluster has not started');
    return value;
  };
  return { kafka: () => started(kafka), fixture: () => started(fixture) };
}
