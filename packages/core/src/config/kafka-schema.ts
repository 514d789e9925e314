import { z } from 'zod';
import { DEFAULT_KAFKA } from './defaults.js';
import { integer, nonEmptyString } from './fields.js';
import type { KafkaClientConf, TlsOptions } from './types.js';

const saslSchema = z.strictObject(
  {
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], {
      error: 'expected "plain", "scram-sha-256" or "scram-sha-512"',
    }),
    username: nonEmptyString('the SASL user'),
    password: nonEmptyString('the SASL password'),
  },
  { error: 'expected { mechanism, username, password }' },
);

const kafkaFields = {
  client: z
    .enum(['kafkajs', 'platformatic'], { error: 'expected "kafkajs" or "platformatic"' })
    .default(DEFAULT_KAFKA.client),
  clientId: nonEmptyString('the client id brokers log and quota by').default(
    DEFAULT_KAFKA.clientId,
  ),
  connectionTimeoutMs: integer({ min: 1, unit: 'milliseconds' }).default(
    DEFAULT_KAFKA.connectionTimeoutMs,
  ),
  requestTimeoutMs: integer({ min: 1, unit: 'milliseconds' }).default(
    DEFAULT_KAFKA.requestTimeoutMs,
  ),
  isolation: z
    .enum(['read_committed', 'read_uncommitted'], {
      error: 'expected "read_committed" or "read_uncommitted"',
    })
    .default(DEFAULT_KAFKA.isolation),
  groupId: nonEmptyString('the Kafka consumer group kf commits its progress to').optional(),
  ssl: z
    .union([z.boolean(), z.looseObject({})], {
      error: "expected true, false, or Node's TLS options object",
    })
    .optional(),
  sasl: saslSchema.optional(),
};

/** The keys of the `kafka` section, for "did you mean" hints. */
export const KAFKA_KEYS = Object.keys(kafkaFields);

/** How the node talks to Kafka: every field defaulted, TLS made explicit. */
export const kafkaSchema = z
  .strictObject(kafkaFields, { error: 'expected an object of Kafka client settings' })
  .transform((kafka): Omit<KafkaClientConf, 'groupId'> & { groupId?: string } => {
    const { ssl, sasl, ...rest } = kafka;
    return {
      ...rest,
      ...(ssl === undefined || ssl === false
        ? {}
        : { ssl: ssl === true ? {} : (ssl as TlsOptions) }),
      ...(sasl === undefined ? {} : { sasl }),
    };
  });
