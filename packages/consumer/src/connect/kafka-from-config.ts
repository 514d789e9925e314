import { formatAddress, type KfConfig } from '@kf/core';
import type { KafkaAccess, Logger } from '@kf/protocol';
import { createKafkaAccess } from '../kafka/create-kafka-access.js';

/**
 * The Kafka port a parsed config describes: brokers, client id, timeouts, TLS and SASL.
 * The admin reads offsets only, never records, so no compression codec is needed.
 */
export function kafkaFromConfig(config: KfConfig, logger: Logger): KafkaAccess {
  return createKafkaAccess({
    brokers: config.bootstrapBrokers.map(formatAddress),
    clientId: config.kafka.clientId,
    connectionTimeoutMs: config.kafka.connectionTimeoutMs,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    ...(config.kafka.ssl ? { ssl: config.kafka.ssl } : {}),
    ...(config.kafka.sasl ? { sasl: config.kafka.sasl } : {}),
    logger,
  });
}
