import { formatAddress, type KfConfig } from '@kf/core';
import type { KafkaAccess, KafkaClientOptions, KafkaFactory, Logger } from '@kf/protocol';
import { registerCodecs } from '../kafka/codecs/register-codecs.js';
import { createKafkaAccess } from '../kafka/create-kafka-access.js';
import { loadPlatformatic } from './load-platformatic.js';

/**
 * The Kafka access a parsed config describes: brokers, client id, timeouts, TLS and SASL,
 * built by `kafkaFactory` when the caller gave one, else by the client `kafka.client`
 * names. A client whose package is not installed is an `AdapterNotInstalledError`
 * naming the package to add.
 */
export async function kafkaFromConfig(
  config: KfConfig,
  logger: Logger,
  kafkaFactory?: KafkaFactory,
): Promise<KafkaAccess> {
  const options: KafkaClientOptions = {
    brokers: config.bootstrapBrokers.map(formatAddress),
    clientId: config.kafka.clientId,
    connectionTimeoutMs: config.kafka.connectionTimeoutMs,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    ...(config.kafka.ssl ? { ssl: config.kafka.ssl } : {}),
    ...(config.kafka.sasl ? { sasl: config.kafka.sasl } : {}),
    logger,
  };
  if (kafkaFactory) return kafkaFactory(options);
  if (config.kafka.client === 'platformatic') return (await loadPlatformatic())(options);
  // Compressed topics are read with no step from the user; codecs they registered stay.
  registerCodecs();
  return createKafkaAccess(options);
}
