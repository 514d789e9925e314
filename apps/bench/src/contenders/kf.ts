import { createNode, type KfMessage } from '@kf/consumer';
import type { StartContender } from '../protocol.js';

export const start: StartContender = async (spec, { handle, unitCompleted }) => {
  const node = await createNode(
    {
      bootstrapBrokers: spec.brokers,
      redis: { host: [spec.redis], groupName: spec.group },
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
