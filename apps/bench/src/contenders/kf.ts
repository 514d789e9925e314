import { createNode, type KfMessage } from '@kf/consumer';
import type { StartContender } from '../protocol.js';

/**
 * A kf node, reading Kafka with the client the spec names (kafkajs, kf's default, or
 * @platformatic/kafka through @kf/kafka-platformatic), every other setting its default
 * but where to start and the bench's overrides.
 */
export const start: StartContender = async (spec, { handle, unitCompleted }) => {
  const node = await createNode(
    {
      bootstrapBrokers: spec.brokers,
      redis: { host: [spec.redis], groupName: spec.group },
      kafka: { client: spec.kafkaClient ?? 'kafkajs' },
      conf: { useEarliest: true, concurrency: spec.concurrency, ...spec.kfConf },
    },
    [spec.topic],
  );
  node.on('unitCompleted', unitCompleted);
  await node.run({
    eachMessage: async ({ message }: { message: KfMessage }) =>
      handle(message.value, message.timestamp),
  });
  return () => node.close();
};
