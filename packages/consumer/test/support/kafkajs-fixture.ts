import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { createTopic, type KafkaService, kafkaClient, waitUntil } from '@kf/devstack';
import type { FailoverFixture, ProducedRecord, ProducerCodec } from '@kf/protocol/kafka-testkit';
import kafkajs, { type IHeaders, type Message, type Producer } from 'kafkajs';
import { registerCodecs } from '../../src/index.js';

// kafkajs is CommonJS; its codec table is read from the default export (see register-codecs.ts).
const { CompressionCodecs, CompressionTypes, ConfigResourceTypes } = kafkajs;

/** The conformance suite's fixture written with kafkajs, and the producer it holds open. */
export interface KafkajsFixture extends FailoverFixture {
  close(): Promise<void>;
}

/**
 * The Kafka access port's conformance fixture on a devstack cluster, written with kafkajs
 * (kf's codecs registered, so it produces every codec the suite asks for).
 */
export async function kafkajsFixture(kafka: KafkaService): Promise<KafkajsFixture> {
  const { brokers } = kafka.info;
  registerCodecs();
  await zstdInit();
  const producer = kafkaClient(brokers, 'kf-conformance-producer').producer({
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    nodeIds: kafka.info.nodes.map((n) => n.nodeId),
    async createTopic(spec) {
      await createTopic(brokers, spec);
    },
    async produce(topic, partition, records, options = {}) {
      const codec = options.codec ?? 'none';
      await withCompressingCodec(codec, () =>
        producer.send({
          topic,
          acks: -1,
          compression: compressionType[codec],
          messages: records.map((r) => message(r, partition)),
        }),
      );
    },
    async transactionalProducer(transactionalId) {
      const tx: Producer = kafkaClient(brokers, transactionalId).producer({
        transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await tx.connect();
      return {
        async transaction(topic, partition, records, outcome) {
          const transaction = await tx.transaction();
          await transaction.send({ topic, messages: records.map((r) => message(r, partition)) });
          await (outcome === 'commit' ? transaction.commit() : transaction.abort());
        },
        close: () => tx.disconnect(),
      };
    },
    async joinGroup(groupId, topic) {
      const member = kafkaClient(brokers, 'kf-conformance-member').consumer({ groupId });
      await member.connect();
      try {
        await member.subscribe({ topic, fromBeginning: true });
        const joined = new Promise<void>((resolve) => {
          member.on(member.events.GROUP_JOIN, () => resolve());
        });
        await member.run({ eachMessage: async () => undefined });
        await joined;
      } catch (error) {
        await member.disconnect();
        throw error;
      }
      return { leave: () => member.disconnect() };
    },
    async alterBrokerConfigs(nodeId, configs) {
      const admin = kafkaClient(brokers).admin();
      await admin.connect();
      try {
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: ConfigResourceTypes.BROKER,
              name: String(nodeId),
              configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
            },
          ],
        });
      } finally {
        await admin.disconnect();
      }
    },
    async killBroker(nodeId) {
      const victim = kafka.processes.find((p) => p.name === `kafka-${nodeId}`);
      if (!victim?.running) throw new Error(`broker ${nodeId} is not running`);
      victim.signal('SIGKILL');
      // A SIGKILLed JVM is gone within milliseconds; 10 s only ends a failing test.
      await waitUntil(async () => (victim.running ? undefined : true), {
        what: `broker ${nodeId} to exit`,
        timeoutMs: 10_000,
      });
    },
    close: () => producer.disconnect(),
  };
}

function message(record: ProducedRecord, partition: number): Message {
  const headers: IHeaders = {};
  // kafkajs writes an array's values one after the other under their key, in order.
  for (const { key, value } of record.headers ?? []) {
    const known = headers[key];
    headers[key] = known === undefined ? value : [known, value].flat();
  }
  return {
    partition,
    key: record.key ?? null,
    value: record.value,
    headers,
    ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
  };
}

const compressionType: Record<ProducerCodec, kafkajs.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/**
 * kf's zstd codec only decompresses, so the fixture compresses zstd with
 * @bokuweb/zstd-wasm for the duration of one send; the other codecs compress as they are.
 */
async function withCompressingCodec<T>(codec: ProducerCodec, send: () => Promise<T>): Promise<T> {
  if (codec !== 'zstd') return send();
  const registered = CompressionCodecs[CompressionTypes.ZSTD];
  const kfCodec = registered();
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async (encoder: { buffer: Buffer }) => Buffer.from(zstdCompress(encoder.buffer, 3)),
    decompress: (buffer: Buffer) => kfCodec.decompress(buffer),
  });
  try {
    return await send();
  } finally {
    CompressionCodecs[CompressionTypes.ZSTD] = registered;
  }
}
