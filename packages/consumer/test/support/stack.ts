import {
  type KafkaInfo,
  type KafkaService,
  kafkaClient,
  startKafka,
  startTogether,
  waitUntil,
} from '@kf/devstack';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, inject } from 'vitest';

export interface KafkaRedisStack<R> {
  readonly kafka: KafkaService;
  readonly redis: R;
  readonly producer: Producer;
}

export interface KafkaRedisOptions<R> {
  brokers?: 1 | 3;
  redis: () => Promise<R>;
  clientId: string;
  /**
   * Default true. A file that fails Kafka brokers over passes false: kafkajs's
   * idempotent producer fails with OUT_OF_ORDER_SEQUENCE_NUMBER after a leader
   * fail-over; such a file counts ids distinct, and kf's duplicates per offset.
   */
  idempotent?: boolean;
  /**
   * A broker of the file's own with TLS and SASL_SSL listeners beside the plaintext one
   * (`kafka.info.secure`); the producer stays on plaintext.
   */
  secure?: boolean;
}

/**
 * Kafka and a Redis for the calling test file, started together before its tests with
 * a connected producer, and stopped after them. Hooks registered later in the file
 * (stopping nodes) run before these, so nothing talks to a stopped server.
 */
export function useKafkaRedis<R extends { stop(): Promise<void> }>(
  options: KafkaRedisOptions<R>,
): KafkaRedisStack<R> {
  let started: { kafka: KafkaService; redis: R; producer: Producer } | undefined;
  let stoppable: Array<{ stop(): Promise<void> }> = [];
  // The run's shared broker (test/support/shared-kafka.ts) when the project has one and
  // a plain broker will do; a broker of the file's own otherwise.
  const shared =
    (options.brokers ?? 1) === 1 && !options.secure ? inject('sharedKafka') : undefined;
  beforeAll(async () => {
    const [kafka, redis] = await startTogether(
      shared
        ? Promise.resolve(sharedService(shared))
        : startKafka({ brokers: options.brokers ?? 1, secure: options.secure ?? false }),
      options.redis(),
    );
    stoppable = [kafka, redis];
    const producer = kafkaClient(kafka.info.brokers, options.clientId).producer(
      options.idempotent === false ? {} : { idempotent: true, maxInFlightRequests: 1 },
    );
    await producer.connect();
    started = { kafka, redis, producer };
  });
  afterAll(async () => {
    await started?.producer.disconnect();
    if (shared) await deleteTopics(shared.brokers);
    await Promise.all(stoppable.map((s) => s.stop()));
  });
  const get = () => {
    if (started === undefined) throw new Error('the stack is used before its beforeAll ran');
    return started;
  };
  return {
    get kafka() {
      return get().kafka;
    },
    get redis() {
      return get().redis;
    },
    get producer() {
      return get().producer;
    },
  };
}

/** The shared broker as a service of the file's: stopping it is the run's business. */
function sharedService(info: KafkaInfo): KafkaService {
  const description = { kind: 'kafka' as const, runDir: '', info, processes: [] };
  return { ...description, describe: () => description, stop: async () => {} };
}

/**
 * Deletes every topic but Kafka's own, and waits until the broker lists none: the next
 * file on the shared broker starts as on a fresh one, whatever names it uses.
 */
async function deleteTopics(brokers: string[]): Promise<void> {
  const admin = kafkaClient(brokers, 'kf-test-cleanup').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    await waitUntil(
      async () => ((await admin.listTopics()).some((t) => !t.startsWith('__')) ? undefined : true),
      { what: "the shared broker without the file's topics", timeoutMs: 30_000, intervalMs: 100 },
    );
  } finally {
    await admin.disconnect();
  }
}
