import { type KafkaService, kafkaClient, startKafka, startTogether } from '@kf/devstack';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';

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
  beforeAll(async () => {
    const [kafka, redis] = await startTogether(
      startKafka({ brokers: options.brokers ?? 1 }),
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
