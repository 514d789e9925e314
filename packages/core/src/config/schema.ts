import { z } from 'zod';
import { CONSUMER_KEYS, consumerSchema, FETCH_KEYS } from './consumer-schema.js';
import { addressList } from './fields.js';
import { KAFKA_KEYS, kafkaSchema } from './kafka-schema.js';
import { REDIS_KEYS, redisSchema } from './redis-schema.js';
import type { KfConfig } from './types.js';

const rootFields = {
  bootstrapBrokers: addressList('Kafka broker'),
  redis: redisSchema({ requireGroup: true }),
  // prefault, not default: the empty object is parsed, so each setting gets its default.
  conf: consumerSchema.prefault({}),
  kafka: kafkaSchema.prefault({}),
};

/** The whole `createNode` config. */
export const kfConfigSchema = z
  .strictObject(rootFields, { error: 'expected the kf config object' })
  .transform(
    (config): KfConfig => ({
      bootstrapBrokers: config.bootstrapBrokers,
      redis: config.redis as KfConfig['redis'],
      conf: config.conf,
      kafka: {
        ...config.kafka,
        groupId: config.kafka.groupId ?? (config.redis.groupName as string),
      },
    }),
  );

/** The `redis` section alone, as `createRedis` takes it: the group is not needed to connect. */
export const redisSectionSchema = redisSchema({ requireGroup: false });

/**
 * The keys each object of the config accepts, by path (`[]` for any list index), so an
 * unknown key can be answered with the one that was meant.
 */
export const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(rootFields),
  redis: REDIS_KEYS,
  conf: CONSUMER_KEYS,
  'conf.fetch': FETCH_KEYS,
  kafka: KAFKA_KEYS,
  'kafka.sasl': ['mechanism', 'username', 'password'],
  'bootstrapBrokers[]': ['host', 'port'],
  'redis.host[]': ['host', 'port'],
  'redis.sentinelAddresses[]': ['host', 'port'],
};
