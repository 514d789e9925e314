import { Consumer } from '@platformatic/kafka';
import type { StartContender } from '../protocol.js';

/**
 * A member of a consumer group of @platformatic/kafka, reading its message stream one
 * message at a time (the library's async-iterator way), a fresh group from the earliest
 * offset, every other setting its default. Resolves before the group is joined, as
 * kafkajs's `run` does, so the join counts in the run's time.
 */
export const start: StartContender = async (spec, { handle }) => {
  const consumer = new Consumer({
    clientId: spec.id,
    groupId: spec.group,
    bootstrapBrokers: spec.brokers,
  });
  const streaming = consumer.consume({
    topics: [spec.topic],
    mode: 'committed',
    fallbackMode: 'earliest',
  });
  const loop = (async () => {
    for await (const message of await streaming) {
      await handle(message.value, Number(message.timestamp));
    }
  })();
  // A failed join or fetch ends the process: the bench sees it exit and reports it.
  loop.catch((error: unknown) => {
    console.error('bench: @platformatic/kafka consumer failed:', error);
    process.exit(1);
  });
  return async () => {
    await (await streaming).close();
    await loop;
    await consumer.close();
  };
};
