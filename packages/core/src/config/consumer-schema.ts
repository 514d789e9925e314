import { z } from 'zod';
import { DEFAULT_CONSUMER_CONF as D } from './defaults.js';
import { integer } from './fields.js';
import type { ConsumerConf } from './types.js';

// Kafka encodes byte counts and wait times as signed 32-bit integers.
const INT32_MAX = 2_147_483_647;

const ms = (min: number) => integer({ min, max: INT32_MAX, unit: 'milliseconds' });
const flag = z.boolean({ error: 'expected true or false' });

const fetchFields = {
  maxBytes: integer({ min: 1, max: INT32_MAX, unit: 'bytes' }).default(D.fetch.maxBytes),
  maxWaitMs: ms(0).default(D.fetch.maxWaitMs),
};

const consumerFields = {
  // Below 10 ms the organiser would spin, asking Kafka for offsets that cannot have moved.
  workCalculateFreq: ms(10).default(D.workCalculateFreq),
  consumeStep: integer({ min: 1, unit: 'offsets' }).default(D.consumeStep),
  useEarliest: flag.default(D.useEarliest),
  resetAheadOffsets: flag.default(D.resetAheadOffsets),
  concurrency: integer({ min: 1, max: 1_024, unit: 'units in flight' }).default(D.concurrency),
  ordering: z
    .enum(['unordered', 'partition'], { error: 'expected "unordered" or "partition"' })
    .default(D.ordering),
  maxAttempts: integer({ min: 1, unit: 'attempts' }).default(D.maxAttempts),
  retryBackoffMs: ms(0).default(D.retryBackoffMs),
  maxRetryBackoffMs: ms(0).default(D.maxRetryBackoffMs),
  // Leases and the lock are renewed several times per TTL; under 100 ms a renewal
  // would race its own round trip.
  leaseTtlMs: ms(100).default(D.leaseTtlMs),
  leaderLockTtlMs: ms(100).default(D.leaderLockTtlMs),
  maxQueuedUnits: integer({ min: 1, unit: 'units' }).default(D.maxQueuedUnits),
  // Redis's 512 MB string limit is far off; past 1 MiB a unit is a fetch's worth anyway.
  inlineRecordsMaxBytes: integer({ min: 0, max: 1_048_576, unit: 'bytes' }).default(
    D.inlineRecordsMaxBytes,
  ),
  handlerTimeoutMs: ms(1).default(D.handlerTimeoutMs),
  waitReplicas: integer({ min: 0, max: 16, unit: 'replicas' }).default(D.waitReplicas),
  waitTimeoutMs: ms(1).default(D.waitTimeoutMs),
  commitToKafka: flag.default(D.commitToKafka),
  // Below 100 ms the leader would send a commit on nearly every tick.
  commitIntervalMs: ms(100).default(D.commitIntervalMs),
  // Below 100 ms the leader would reload metadata on nearly every tick, a Metadata round
  // trip per tick for partition counts that change a few times a year.
  metadataMaxAgeMs: ms(100).default(D.metadataMaxAgeMs),
  // prefault, not default: the empty object is parsed, so each field gets its default.
  fetch: z
    .strictObject(fetchFields, { error: 'expected an object of fetch settings' })
    .prefault({}),
};

/** The keys of `conf` and of `conf.fetch`, for "did you mean" hints. */
export const CONSUMER_KEYS = Object.keys(consumerFields);
export const FETCH_KEYS = Object.keys(fetchFields);

export const consumerSchema = z
  .strictObject(consumerFields, { error: 'expected an object of consumer settings' })
  .superRefine((conf, ctx) => {
    if (conf.maxRetryBackoffMs < conf.retryBackoffMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxRetryBackoffMs'],
        message: `expected at least retryBackoffMs (${conf.retryBackoffMs})`,
        input: conf.maxRetryBackoffMs,
      });
    }
  })
  .transform((conf): ConsumerConf => conf);
