// One benchmark consumer: a kf node, or a member of a kafkajs consumer group, with the
// same handler. It counts messages and bytes and samples produce → handler latency
// from each message's timestamp (set by the producer).
import { createNode, type KfMessage } from '@kf/consumer';
import { Kafka, logLevel } from 'kafkajs';
import type { ConsumerCommand, ConsumerReport, ConsumerSpec } from './protocol.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ConsumerSpec;
let messages = 0;
let bytes = 0;
let units = 0;
let latencies: number[] = [];

const send = (report: ConsumerReport) => {
  if (process.connected) process.send?.(report);
};
// The bench that forked this process is gone: nothing is left to report to.
process.on('disconnect', () => process.exit(0));
const flush = () => {
  send({ type: 'progress', messages, bytes, units, latenciesMs: latencies });
  messages = 0;
  bytes = 0;
  units = 0;
  latencies = [];
};
const ticker = setInterval(flush, 200);

async function handle(value: Buffer | null, timestamp: number): Promise<void> {
  if (spec.handlerDelayMs > 0) await new Promise((r) => setTimeout(r, spec.handlerDelayMs));
  messages += 1;
  bytes += value?.length ?? 0;
  latencies.push(Date.now() - timestamp);
}

async function startKf(): Promise<() => Promise<void>> {
  const node = await createNode(
    {
      bootstrapBrokers: spec.brokers,
      redis: { host: [spec.redis], groupName: spec.group },
      conf: { useEarliest: true, concurrency: spec.concurrency, ...spec.kfConf },
    },
    [spec.topic],
  );
  node.on('unitCompleted', () => {
    units += 1;
  });
  await node.run({
    eachMessage: async ({ message }: { message: KfMessage }) =>
      handle(message.value, message.timestamp),
  });
  return () => node.close();
}

async function startKafkajs(): Promise<() => Promise<void>> {
  const kafka = new Kafka({ brokers: spec.brokers, clientId: spec.id, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: spec.group });
  await consumer.connect();
  await consumer.subscribe({ topic: spec.topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: spec.concurrency,
    eachMessage: async ({ message }) => handle(message.value, Number(message.timestamp)),
  });
  return () => consumer.disconnect();
}

const stop = await (spec.contender === 'kf' ? startKf() : startKafkajs());
send({ type: 'ready' });
process.on('message', async (command: ConsumerCommand) => {
  if (command.type !== 'stop') return;
  await stop();
  clearInterval(ticker);
  flush();
  process.exit(0);
});
