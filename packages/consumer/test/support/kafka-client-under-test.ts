import type { KafkaClientName } from '@kf/core';

const CLIENTS: readonly KafkaClientName[] = ['kafkajs', 'platformatic'];

/**
 * The Kafka client the end-to-end files' nodes read with: `KF_KAFKA_CLIENT=platformatic`
 * runs them on @kf/kafka-platformatic (scripts/test-e2e-platformatic.sh), kafkajs when
 * unset. A value kf has no client for fails the run instead of testing kafkajs again.
 */
export function kafkaClientUnderTest(): KafkaClientName {
  const named = process.env.KF_KAFKA_CLIENT;
  if (named === undefined || named === '') return 'kafkajs';
  if (!(CLIENTS as readonly string[]).includes(named)) {
    throw new Error(`KF_KAFKA_CLIENT=${named}: expected one of ${CLIENTS.join(', ')}`);
  }
  return named as KafkaClientName;
}
