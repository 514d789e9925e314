import { Kafka, logLevel } from 'kafkajs';
import type { StartContender } from '../protocol.js';

export const start: StartContender = async (spec, { handle }) => {
  const kafka = new Kafka({ brokers: spec.brokers, clientId: spec.id, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: spec.group });
  await consumer.connect();
  await consumer.subscribe({ topic: spec.topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: spec.concurrency,
    eachMessage: async ({ message }) => handle(message.value, Number(message.timestamp)),
  });
  return () => consumer.disconnect();
};
