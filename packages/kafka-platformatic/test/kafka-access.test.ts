import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import {
  type Isolation,
  isKafkaAccessError,
  type KafkaAccess,
  KafkaErrorCode,
  type KafkaRecord,
  OffsetOutOfRangeError,
  registerCodecs,
  UnknownTopicPartitionError,
} from '@kf/consumer';
import { createTopic, type KafkaService, kafkaClient, startKafka, waitUntil } from '@kf/devstack';
import kafkajs, { type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPlatformaticKafkaAccess } from '../src/index.js';

// The cases of @kf/consumer's kafka-port.test.ts that exercise the port's required
// methods, run against this port until the shared conformance suite replaces them.

// kafkajs is CommonJS; its codec table is read from the default export.
const { CompressionCodecs, CompressionTypes, ConfigResourceTypes } = kafkajs;

describe('Kafka port on @platformatic/kafka, one broker', () => {
  let kafka: KafkaService;
  let access: KafkaAccess;
  let producer: Producer;

  beforeAll(async () => {
    kafka = await startKafka({ brokers: 1 });
    // The test producer writes snappy, lz4 and zstd with kf's kafkajs codecs.
    registerCodecs();
    access = createPlatformaticKafkaAccess({
      brokers: kafka.info.brokers,
      clientId: 'kf-platformatic-test',
    });
    producer = kafkaClient(kafka.info.brokers, 'kf-platformatic-test-producer').producer({
      allowAutoTopicCreation: false,
    });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await access?.close();
    await kafka?.stop();
  });

  /** Each `send` of messages to one partition is written as one record batch. */
  async function produceBatches(topic: string, batches: number, perBatch: number): Promise<void> {
    for (let b = 0; b < batches; b++) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: perBatch }, (_, i) => {
          const n = b * perBatch + i;
          return {
            partition: 0,
            key: `k${n}`,
            value: `value-${n}`,
            headers: { n: String(n), tag: ['a', 'b'] },
            timestamp: String(1_700_000_000_000 + n),
          };
        }),
      });
    }
  }

  describe('ranges over plain batches', () => {
    const topic = 'plain';
    beforeAll(async () => {
      await createTopic(kafka.info.brokers, { topic });
      await produceBatches(topic, 3, 10); // batches [0,10), [10,20), [20,30)
    });

    test('metadata lists the partition and its leader; offsets give earliest and latest', async () => {
      const metadata = await access.metadata([topic]);
      expect(metadata.brokers.map((b) => b.nodeId)).toEqual([1]);
      expect(metadata.topics).toEqual([
        { topic, partitions: [{ partition: 0, leader: 1, replicas: [1], isr: [1] }] },
      ]);
      expect(await access.offsets(topic)).toEqual([{ partition: 0, earliest: 0, latest: 30 }]);
      expect((await access.refreshMetadata([topic])).topics[0]?.partitions[0]?.leader).toBe(1);
    });

    test('a range inside one batch returns exactly its records, with key, value, headers and timestamp', async () => {
      const { records } = await readRange(access, { topic, partition: 0, offset: 2, len: 5 });
      expect(records.map((r) => r.offset)).toEqual([2, 3, 4, 5, 6]);
      expect(records.map((r) => text(r.value))).toEqual([
        'value-2',
        'value-3',
        'value-4',
        'value-5',
        'value-6',
      ]);
      const first = records[0];
      expect(text(first?.key ?? null)).toBe('k2');
      expect(first?.timestamp).toBe(1_700_000_000_002);
      expect(first?.headers.map((h) => [h.key, text(h.value)])).toEqual([
        ['n', '2'],
        ['tag', 'a'],
        ['tag', 'b'],
      ]);
    });

    test('endOffset: records at or above it are not returned, nextOffset still passes the batch', async () => {
      const result = await access.fetch({
        topic,
        partition: 0,
        offset: 12,
        endOffset: 15,
        maxBytes: 1_048_576,
        maxWaitMs: 100,
        isolation: 'read_committed',
      });
      expect(result.records.map((r) => r.offset)).toEqual([12, 13, 14]);
      expect(result.nextOffset).toBe(30);
      // Two whole batches held from 10: [10, 20) and [20, 30).
      expect(result.batches).toMatchObject({ count: 2, offsets: 20 });
      expect(result.batches?.bytes).toBeGreaterThan(0);
    });

    test('a fetch starting mid-batch drops the records below its offset', async () => {
      const result = await access.fetch({
        topic,
        partition: 0,
        offset: 13,
        maxBytes: 1024 * 1024,
        maxWaitMs: 100,
        isolation: 'read_uncommitted',
      });
      expect(result.records.map((r) => r.offset)).toEqual(
        Array.from({ length: 17 }, (_, i) => 13 + i),
      );
      expect(result.nextOffset).toBe(30);
      expect(result.highWatermark).toBe(30);
      expect(result.logStartOffset).toBe(0);
      // The broker reports the last stable offset for read_uncommitted fetches too.
      expect(result.lastStableOffset).toBe(30);
    });

    test('a range across batches, over the byte limit, is read in several fetches with nothing lost or repeated', async () => {
      const read = await readRange(
        access,
        { topic, partition: 0, offset: 5, len: 20 },
        { maxBytes: 64 },
      );
      expect(read.fetches).toBeGreaterThanOrEqual(3);
      expect(read.records.map((r) => r.offset)).toEqual(
        Array.from({ length: 20 }, (_, i) => 5 + i),
      );
      expect(read.nextOffset).toBeGreaterThanOrEqual(25);
    });

    test('at the end of the partition a fetch returns nothing and stays put', async () => {
      const result = await access.fetch({
        topic,
        partition: 0,
        offset: 30,
        maxBytes: 1024,
        maxWaitMs: 50,
        isolation: 'read_uncommitted',
      });
      expect(result.records).toEqual([]);
      expect(result.nextOffset).toBe(30);
      expect(result.batches).toEqual({ count: 0, bytes: 0, offsets: 0 });
    });

    test('offsets by time: the first record at or after it, the log end past the last', async () => {
      // Record n was written with timestamp 1_700_000_000_000 + n.
      expect(await access.offsetsAt(topic, 1_700_000_000_015)).toEqual([
        { partition: 0, offset: 15 },
      ]);
      expect(await access.offsetsAt(topic, 0)).toEqual([{ partition: 0, offset: 0 }]);
      expect(await access.offsetsAt(topic, 1_800_000_000_000)).toEqual([
        { partition: 0, offset: 30 },
      ]);
      await expect(access.offsetsAt(topic, -5)).rejects.toThrow(/timestampMs must be an integer/);
    });

    test('offsets committed from outside a consumer group are read back; a group with live members refuses them', async () => {
      const group = 'port-commit';
      expect(await access.committedOffsets(group, topic, [0])).toEqual([]);
      await access.commitOffsets(group, [{ topic, partition: 0, offset: 12 }]);
      expect(await access.committedOffsets(group, topic, [0])).toEqual([
        { topic, partition: 0, offset: 12 },
      ]);
      await access.commitOffsets(group, [{ topic, partition: 0, offset: 30 }]);
      expect(await access.committedOffsets(group, topic, [0])).toEqual([
        { topic, partition: 0, offset: 30 },
      ]);

      const member = kafkaClient(kafka.info.brokers, 'kf-platformatic-member').consumer({
        groupId: 'port-live-group',
      });
      await member.connect();
      try {
        await member.subscribe({ topic, fromBeginning: true });
        const joined = new Promise<void>((resolve) => {
          member.on(member.events.GROUP_JOIN, () => resolve());
        });
        await member.run({ eachMessage: async () => undefined });
        await joined;
        const refused = await access
          .commitOffsets('port-live-group', [{ topic, partition: 0, offset: 1 }])
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(refused).toMatchObject({
          name: 'KafkaRequestError',
          message: expect.stringContaining('UNKNOWN_MEMBER_ID'),
        });
      } finally {
        await member.disconnect();
      }
    });
  });

  test('null values (tombstones) and zero-length values are delivered, not skipped', async () => {
    const topic = 'nulls';
    await createTopic(kafka.info.brokers, { topic });
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { partition: 0, key: 'tomb', value: null },
        { partition: 0, key: 'empty', value: Buffer.alloc(0) },
        { partition: 0, key: null, value: 'plain' },
      ],
    });
    const { records } = await readRange(access, { topic, partition: 0, offset: 0, len: 3 });
    expect(records.map((r) => [r.offset, text(r.key), r.value])).toEqual([
      [0, 'tomb', null],
      [1, 'empty', Buffer.alloc(0)],
      [2, null, Buffer.from('plain')],
    ]);
  });

  describe('compressed batches', () => {
    beforeAll(async () => {
      await zstdInit();
    });

    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      test(`${codec}: batches compressed by the broker and by the producer are read back`, async () => {
        const topic = `compressed-${codec}`;
        // The topic's compression.type makes the broker write every batch with Kafka's own
        // (Java) codec; the producer's batches are written by kafkajs's codecs.
        await createTopic(kafka.info.brokers, { topic, configs: { 'compression.type': codec } });
        const messages = (from: number) =>
          Array.from({ length: 50 }, (_, i) => ({
            partition: 0,
            value: `${codec}-${from + i}-${'x'.repeat(200)}`,
          }));
        await producer.send({ topic, acks: -1, messages: messages(0) });
        await withCompressingCodec(codec, () =>
          producer.send({
            topic,
            acks: -1,
            compression: compressionType(codec),
            messages: messages(50),
          }),
        );
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
      });
    }
  });

  test('transactions under read_committed: the aborted one is skipped, markers never returned', async () => {
    const topic = 'transactions';
    await createTopic(kafka.info.brokers, { topic });
    const tx = kafkaClient(kafka.info.brokers, `kf-platformatic-${topic}`).producer({
      transactionalId: `kf-platformatic-${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await tx.connect();
    try {
      const committed = await tx.transaction();
      await committed.send({
        topic,
        messages: ['c0', 'c1', 'c2'].map((value) => ({ partition: 0, value })),
      });
      await committed.commit(); // offsets 0-2, commit marker at 3
      const aborted = await tx.transaction();
      await aborted.send({
        topic,
        messages: ['a0', 'a1', 'a2'].map((value) => ({ partition: 0, value })),
      });
      await aborted.abort(); // offsets 4-6, abort marker at 7
    } finally {
      await tx.disconnect();
    }
    // The coordinator writes the abort marker after abort() returns: wait until both
    // markers are in the log (the last stable offset reaches 8) so 'after' gets offset 8.
    // No timing claim (the coordinator sends the markers as soon as the transaction
    // ends): 20 s only ends a failing test.
    await waitUntil(
      async () =>
        (await access.offsets(topic, 'read_committed'))[0]?.latest === 8 ? true : undefined,
      { what: 'transaction markers written', timeoutMs: 20_000 },
    );
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'after' }] }); // 8
    await waitUntil(
      async () =>
        (await access.offsets(topic, 'read_committed'))[0]?.latest === 9 ? true : undefined,
      { what: "'after' stable", timeoutMs: 20_000 },
    );

    const committedRead = await readRange(
      access,
      { topic, partition: 0, offset: 0, len: 9 },
      { isolation: 'read_committed', maxBytes: 128 },
    );
    expect(committedRead.records.map((r) => [r.offset, text(r.value)])).toEqual([
      [0, 'c0'],
      [1, 'c1'],
      [2, 'c2'],
      [8, 'after'],
    ]);
    expect(committedRead.nextOffset).toBe(9);

    // A read starting inside the aborted transaction skips it too.
    const fromInside = await readRange(
      access,
      { topic, partition: 0, offset: 5, len: 4 },
      { isolation: 'read_committed' },
    );
    expect(fromInside.records.map((r) => r.offset)).toEqual([8]);

    const uncommittedRead = await readRange(
      access,
      { topic, partition: 0, offset: 0, len: 9 },
      { isolation: 'read_uncommitted' },
    );
    // Aborted data is visible to read_uncommitted, the markers (3 and 7) still are not.
    expect(uncommittedRead.records.map((r) => r.offset)).toEqual([0, 1, 2, 4, 5, 6, 8]);
  });

  test('a compacted topic: gaps inside a range are stepped over and the latest value of each key is read', async () => {
    const topic = 'compacted';
    // Let the cleaner look for work every 200 ms instead of every 15 s (a dynamic broker config).
    const admin = kafkaClient(kafka.info.brokers).admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.BROKER,
            name: '1',
            configEntries: [{ name: 'log.cleaner.backoff.ms', value: '200' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    await createTopic(kafka.info.brokers, {
      topic,
      configs: {
        'cleanup.policy': 'compact',
        'segment.ms': '100',
        'min.cleanable.dirty.ratio': '0.01',
        'min.compaction.lag.ms': '0',
        'delete.retention.ms': '100',
      },
    });
    // Record timestamps set here: the broker rolls a segment by them, not by its clock.
    const written = Date.now();
    const send = (key: string, value: string, timestamp = written) =>
      producer.send({
        topic,
        acks: -1,
        messages: [{ partition: 0, key, value, timestamp: String(timestamp) }],
      });
    for (let i = 0; i < 10; i++) await send(`key-${i}`, `v1-${i}`); // offsets 0-9
    for (let i = 0; i < 5; i++) await send(`key-${i}`, `v2-${i}`); // 10-14 rewrite keys 0-4
    // The cleaner never touches the active segment. It rolls when a record's timestamp is
    // more than segment.ms (100 ms) past the segment's first: this one is 1 s past.
    await send('roll', 'roll', written + 1_000); // 15

    const survivors = await waitUntil(
      async () => {
        const { records } = await readRange(access, { topic, partition: 0, offset: 0, len: 16 });
        return records[0]?.offset === 5 ? records : undefined;
      },
      // The cleaner looks for work every 200 ms (log.cleaner.backoff.ms, set above) and
      // cleans 16 records in milliseconds. No timing claim: 30 s only ends a failing test.
      { what: 'the log cleaner compacting the topic', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(survivors.map((r) => r.offset)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

    // A range starting inside the removed range [0, 5), read a record at a time.
    const read = await readRange(
      access,
      { topic, partition: 0, offset: 2, len: 12 },
      { maxBytes: 1 },
    );
    expect(read.records.map((r) => [r.offset, text(r.key), text(r.value)])).toEqual([
      [5, 'key-5', 'v1-5'],
      [6, 'key-6', 'v1-6'],
      [7, 'key-7', 'v1-7'],
      [8, 'key-8', 'v1-8'],
      [9, 'key-9', 'v1-9'],
      [10, 'key-0', 'v2-0'],
      [11, 'key-1', 'v2-1'],
      [12, 'key-2', 'v2-2'],
      [13, 'key-3', 'v2-3'],
    ]);
    expect(read.nextOffset).toBeGreaterThanOrEqual(14);
  });

  describe('errors', () => {
    const topic = 'errors';
    beforeAll(async () => {
      await createTopic(kafka.info.brokers, { topic });
      await produceBatches(topic, 1, 5);
    });

    test('an offset above the latest is a typed OffsetOutOfRangeError carrying the partition range', async () => {
      const error = await access
        .fetch({
          topic,
          partition: 0,
          offset: 50,
          maxBytes: 1024,
          maxWaitMs: 50,
          isolation: 'read_uncommitted',
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(OffsetOutOfRangeError);
      expect(isKafkaAccessError(error, KafkaErrorCode.OffsetOutOfRange)).toBe(true);
      expect(error).toMatchObject({ topic, partition: 0, offset: 50, earliest: 0, latest: 5 });
    });

    test('an unknown topic and an unknown partition are typed UnknownTopicPartitionErrors', async () => {
      const request = {
        partition: 0,
        offset: 0,
        maxBytes: 1024,
        maxWaitMs: 50,
        isolation: 'read_uncommitted' as const,
      };
      const noTopic = await access.fetch({ ...request, topic: 'no-such-topic' }).catch((e) => e);
      expect(noTopic).toBeInstanceOf(UnknownTopicPartitionError);
      expect(noTopic).toMatchObject({ topic: 'no-such-topic' });
      const noPartition = await access.fetch({ ...request, topic, partition: 7 }).catch((e) => e);
      expect(noPartition).toBeInstanceOf(UnknownTopicPartitionError);
      expect(noPartition).toMatchObject({ topic, partition: 7 });
      expect(isKafkaAccessError(noPartition, KafkaErrorCode.UnknownTopicOrPartition)).toBe(true);
      await expect(access.metadata(['no-such-topic'])).rejects.toBeInstanceOf(
        UnknownTopicPartitionError,
      );
    });

    test('a fetch with an offset that is not a safe integer is refused before anything is sent', async () => {
      const error = await access
        .fetch({
          topic,
          partition: 0,
          offset: 2 ** 53,
          maxBytes: 1024,
          maxWaitMs: 50,
          isolation: 'read_uncommitted',
        })
        .catch((e: unknown) => e);
      expect(isKafkaAccessError(error, KafkaErrorCode.Request)).toBe(true);
      expect(String(error)).toMatch(/offset must be an integer/);
    });
  });

  test('a failed SASL authentication is a typed error; the password appears in no error nor log line', async () => {
    // The plaintext listener has no SASL mechanism enabled: the handshake is refused, and
    // with it every request, as a wrong password would be.
    const password = 'kf-secret-password-that-must-not-leak';
    const lines: string[] = [];
    const log = (fields: object, message: string) =>
      lines.push(`${message} ${JSON.stringify(fields, errorFields)}`);
    const refused = createPlatformaticKafkaAccess({
      brokers: kafka.info.brokers,
      sasl: { mechanism: 'plain', username: 'kf', password },
      retries: 1,
      logger: { debug: log, info: log, warn: log, error: log },
    });
    try {
      const error = await refused.metadata(['plain']).catch((e: unknown) => e);
      expect(isKafkaAccessError(error)).toBe(true);
      expect(describeError(error)).not.toContain(password);
      for (const line of lines) expect(line).not.toContain(password);
    } finally {
      await refused.close();
    }
  });

  test('after close, every call is refused without opening a connection', async () => {
    const closing = createPlatformaticKafkaAccess({ brokers: kafka.info.brokers });
    expect((await closing.metadata(['plain'])).topics[0]?.topic).toBe('plain');
    await closing.close();
    const error = await closing
      .fetch({
        topic: 'plain',
        partition: 0,
        offset: 0,
        maxBytes: 1024,
        maxWaitMs: 0,
        isolation: 'read_uncommitted',
      })
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/closed/);
  });
});

interface RangeRead {
  records: KafkaRecord[];
  /** Fetches it took, so a test can prove the byte limit split the range. */
  fetches: number;
  /** Where the caller would continue: at or past `offset + len`. */
  nextOffset: number;
}

/**
 * What a worker does with a unit `[offset, offset + len)`: fetch from `offset`, keep
 * records below the end, continue from `nextOffset` until the range is covered. Fails
 * when a fetch makes no progress (a stall), instead of looping.
 */
async function readRange(
  access: KafkaAccess,
  unit: { topic: string; partition: number; offset: number; len: number },
  options: { maxBytes?: number; isolation?: Isolation } = {},
): Promise<RangeRead> {
  const end = unit.offset + unit.len;
  const records: KafkaRecord[] = [];
  let position = unit.offset;
  let fetches = 0;
  while (position < end) {
    const result = await access.fetch({
      topic: unit.topic,
      partition: unit.partition,
      offset: position,
      maxBytes: options.maxBytes ?? 1024 * 1024,
      maxWaitMs: 100,
      isolation: options.isolation ?? 'read_uncommitted',
    });
    fetches += 1;
    for (const record of result.records) if (record.offset < end) records.push(record);
    if (result.nextOffset <= position) {
      throw new Error(
        `fetch at ${position} did not advance (next ${result.nextOffset}, high watermark ${result.highWatermark})`,
      );
    }
    position = result.nextOffset;
  }
  return { records, fetches, nextOffset: position };
}

const text = (value: Buffer | null): string | null =>
  value === null ? null : value.toString('utf8');

/** An error with its causes and nested errors, every field included, as one text. */
function describeError(error: unknown): string {
  return JSON.stringify(error, errorFields);
}

function errorFields(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return {
      ...value,
      name: value.name,
      message: value.message,
      stack: value.stack,
      cause: value.cause,
    };
  }
  return typeof value === 'bigint' ? String(value) : value;
}

function compressionType(codec: 'gzip' | 'snappy' | 'lz4' | 'zstd') {
  return {
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  }[codec];
}

/**
 * kf's zstd codec only decompresses, so the test producer compresses zstd with
 * @bokuweb/zstd-wasm for the duration of one send; the other codecs compress as they are.
 */
async function withCompressingCodec<T>(codec: string, send: () => Promise<T>): Promise<T> {
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
