import { type KafkaInfo, startKafka } from '@kf/devstack';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One Kafka broker for every file of the run that needs a plain one (see stack.ts). */
    sharedKafka: KafkaInfo;
  }
}

/**
 * Vitest global setup of `@kf/consumer`'s tests: one single-broker Kafka for the whole
 * run instead of one per file. Starting a broker takes 7 to 10 s on two cores, and a
 * dozen files need a plain one; files run one at a time, and each deletes the topics it
 * made when it ends (`useKafkaRedis`), so the next one starts on an empty broker. Files
 * that fail brokers over start their own.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kafka = await startKafka({ brokers: 1 });
  project.provide('sharedKafka', kafka.info);
  return () => kafka.stop();
}
