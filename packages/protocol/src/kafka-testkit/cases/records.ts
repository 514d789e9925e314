import { expectSameReads, type KafkaCase, readRange, text } from '../context.js';

const codecs = ['gzip', 'snappy', 'lz4', 'zstd'] as const;

export const recordCases: KafkaCase[] = [
  {
    name: 'null values (tombstones) and zero-length values are delivered, not skipped',
    async run({ access, expect, fixture, name }) {
      const topic = name('nulls');
      await fixture.createTopic({ topic, replicationFactor: 1 });
      await fixture.produce(topic, 0, [
        { key: 'tomb', value: null },
        { key: 'empty', value: Buffer.alloc(0) },
        { key: null, value: 'plain' },
      ]);
      const { records } = await readRange(access, { topic, partition: 0, offset: 0, len: 3 });
      expect(records.map((r) => [r.offset, text(r.key), r.value])).toEqual([
        [0, 'tomb', null],
        [1, 'empty', Buffer.alloc(0)],
        [2, null, Buffer.from('plain')],
      ]);
    },
  },
  ...codecs.map(
    (codec): KafkaCase => ({
      name: `${codec}: batches compressed by the broker and by the producer are read back`,
      async run(context) {
        const { access, expect, fixture, name } = context;
        const topic = name(`compressed-${codec}`);
        // The topic's compression.type makes the broker write every batch with Kafka's
        // own (Java) codec, so the port decodes what a Java producer or the broker writes.
        await fixture.createTopic({
          topic,
          replicationFactor: 1,
          configs: { 'compression.type': codec },
        });
        const records = (from: number) =>
          Array.from({ length: 50 }, (_, i) => ({
            value: `${codec}-${from + i}-${'x'.repeat(200)}`,
          }));
        await fixture.produce(topic, 0, records(0));
        await fixture.produce(topic, 0, records(50), { codec });
        const read = await readRange(
          access,
          { topic, partition: 0, offset: 10, len: 80 },
          { maxBytes: 2048 },
        );
        expect(read.records.map((r) => r.offset)).toEqual(
          Array.from({ length: 80 }, (_, i) => 10 + i),
        );
        expect(read.records.map((r) => text(r.value))).toEqual(
          Array.from({ length: 80 }, (_, i) => `${codec}-${10 + i}-${'x'.repeat(200)}`),
        );
        await expectSameReads(
          context,
          { topic, partition: 0, offset: 10, len: 80, isolation: 'read_uncommitted', pollFrom: 10 },
          read.records,
        );
      },
    }),
  ),
  {
    name: 'a range read from a long poll’s batches or another read path holds what fetches read',
    async run(context) {
      const { access, expect, plainTopic } = context;
      const topic = await plainTopic();
      for (const [offset, len, pollFrom] of [
        [13, 12, 13], // mid-batch: the poll's first batch starts at 10
        [0, 30, 0],
        [22, 3, 5], // well above where the poll read from
      ] as const) {
        const fetched = await readRange(access, { topic, partition: 0, offset, len });
        expect(fetched.records.map((r) => r.offset)).toEqual(
          Array.from({ length: len }, (_, i) => offset + i),
        );
        await expectSameReads(
          context,
          { topic, partition: 0, offset, len, isolation: 'read_uncommitted', pollFrom },
          fetched.records,
        );
      }
    },
  },
];
