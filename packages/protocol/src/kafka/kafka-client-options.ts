import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../logger.js';
import type { KafkaAccess } from './kafka-access.js';

/** SASL authentication with a broker. */
export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/**
 * What kf gives a Kafka client to build its `KafkaAccess` from: the `kafka` section of
 * the config, defaults applied. Every implementation accepts these options, so the
 * config can pick one (`kafka.client`) and a `kafkaFactory` can stand in for it.
 */
export interface KafkaClientOptions {
  /** `host:port` of one or more brokers; the rest are found through metadata. */
  brokers: string[];
  /** Sent with every request; brokers log and apply quotas by it. Default `kf`. */
  clientId?: string;
  /** Time to open a TCP connection to a broker (TLS and SASL included). Default 1000 ms. */
  connectionTimeoutMs?: number;
  /** Time for a broker's reply beyond a fetch's own wait. Default 30000 ms. */
  requestTimeoutMs?: number;
  /** Further tries of a metadata load that could not reach a broker. Default 3. */
  retries?: number;
  /** TLS to the brokers: Node's TLS options (`{}` for the defaults). */
  ssl?: ConnectionOptions;
  sasl?: KafkaSasl;
  /**
   * Receives the implementation's lines about Kafka; silent when omitted. kf passes a
   * logger that already masks the config's secrets.
   */
  logger?: Logger;
}

/**
 * Builds the Kafka access a node uses, in place of the client `kafka.client` names:
 * `createNode(config, topics, { kafkaFactory })`, as `redisFactory` stands in for a
 * Redis adapter.
 */
export type KafkaFactory = (options: KafkaClientOptions) => KafkaAccess | Promise<KafkaAccess>;
