import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type { Decompress } from '@kf/protocol/kafka-records';
import { ByteReader, ChunkedBytes } from '@kf/protocol/kafka-records';
import { describe, expect, test } from 'vitest';
import { decodeFetchV11 } from '../src/kafka/fetch-response.js';
import {
  type ReceivingConnection,
  receiveFetchesUnjoined,
} from '../src/kafka/kafkajs-fetch-receive.js';

// kafkajs's own record-batch encoder writes the batches, as a producer would.
const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(options: object): Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  options: object,
) => unknown;
const GZIP = 1;

const FETCH = 1;
const METADATA = 3;

const gunzip: Decompress = async (_attributes, compressed) => gunzipSync(compressed);

async function batch(
  firstOffset: number,
  values: Array<string | null>,
  options: { compression?: number; keys?: boolean; headers?: boolean } = {},
): Promise<Buffer> {
  const records = values.map((value, i) =>
    Record({
      offsetDelta: i,
      timestampDelta: i * 3,
      key: options.keys ? Buffer.from(`key-${firstOffset + i}`) : null,
      value: value === null ? null : Buffer.from(value),
      headers: options.headers ? { trace: `t${firstOffset + i}`, empty: '' } : {},
    }),
  );
  const encoded = await RecordBatch({
    compression: options.compression ?? 0,
    firstOffset: String(firstOffset),
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_000 + values.length * 3,
    lastOffsetDelta: values.length - 1,
    records,
  });
  return encoded.buffer;
}

/** Big-endian fields, as the Kafka protocol writes them. */
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
const string = (s: string) => Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);

interface PartitionAnswer {
  partition: number;
  aborted?: Array<{ producerId: number; firstOffset: number }>;
  records: Buffer;
}

/** A Fetch v11 response body (after the correlation id). */
function fetchBody(topics: Array<{ name: string; partitions: PartitionAnswer[] }>): Buffer {
  const parts: Buffer[] = [int32(0), int16(0), int32(0), int32(topics.length)];
  for (const topic of topics) {
    parts.push(string(topic.name), int32(topic.partitions.length));
    for (const p of topic.partitions) {
      parts.push(int32(p.partition), int16(0), int64(1_000), int64(1_000), int64(0));
      if (p.aborted === undefined) parts.push(int32(-1));
      else {
        parts.push(int32(p.aborted.length));
        for (const a of p.aborted) parts.push(int64(a.producerId), int64(a.firstOffset));
      }
      parts.push(int32(-1), int32(p.records.length), p.records);
    }
  }
  return Buffer.concat(parts);
}

/** What a connection reads off its socket for one response: size, correlation id, body. */
const framed = (correlationId: number, body: Buffer) =>
  Buffer.concat([int32(body.length + 4), int32(correlationId), body]);

/** Deterministic cut points, so a failure names the seed that made it. */
function cuts(bytes: Buffer, seed: number, maxChunk: number): Buffer[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state;
  };
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + (next() % maxChunk);
    // Each chunk a buffer of its own, as socket reads are.
    chunks.push(Buffer.from(bytes.subarray(at, at + size)));
    at += size;
  }
  return chunks;
}

interface Delivered {
  correlationId: number;
  size: number;
  payload: Buffer | ChunkedBytes;
}

/** A stand-in for kafkajs's Connection: its framing fields, its queue, its own path. */
function connection(inflight: Record<number, number>) {
  const delivered: Delivered[] = [];
  const kafkajsPath: Buffer[] = [];
  const conn: ReceivingConnection = {
    chunks: [],
    bytesBuffered: 0,
    bytesNeeded: 4,
    authHandlers: null,
    processData(data: Buffer) {
      kafkajsPath.push(data);
    },
    requestQueue: {
      inflight: new Map(
        Object.entries(inflight).map(([id, apiKey]) => [Number(id), { entry: { apiKey } }]),
      ),
      fulfillRequest(response) {
        delivered.push(response);
      },
    },
  };
  receiveFetchesUnjoined(conn);
  return { conn, delivered, kafkajsPath };
}

const joinedBytes = (payload: Buffer | ChunkedBytes) =>
  Buffer.isBuffer(payload) ? payload : Buffer.concat(payload.chunks);

describe('Fetch responses received in socket reads', () => {
  test('any split of back-to-back responses decodes as the joined bytes do, and other responses stay whole buffers', async () => {
    const fetchA = fetchBody([
      {
        name: 'orders',
        partitions: [
          {
            partition: 0,
            records: Buffer.concat([
              await batch(0, ['a'.repeat(300), null, 'c'], { keys: true, headers: true }),
              await batch(
                3,
                Array.from({ length: 40 }, (_, i) => `v${i}`.repeat(20)),
              ),
              // Cut short by the byte limit: stepped over, fetched whole next time.
              (await batch(43, ['tail'])).subarray(0, 30),
            ]),
          },
          {
            partition: 1,
            aborted: [{ producerId: 7, firstOffset: 11 }],
            records: await batch(10, ['x'.repeat(500), 'y'], { compression: GZIP }),
          },
          { partition: 2, records: Buffer.alloc(0) },
        ],
      },
    ]);
    const fetchB = fetchBody([
      {
        name: 'audit',
        partitions: [{ partition: 5, records: await batch(100, ['z'.repeat(2_000)]) }],
      },
    ]);
    const metadata = Buffer.from('a metadata answer, joined for kafkajs');
    const stream = Buffer.concat([framed(1, fetchA), framed(2, metadata), framed(3, fetchB)]);
    const expectedA = await decodeFetchV11(fetchA, { from: 1, to: 42 }, gunzip);
    const expectedB = await decodeFetchV11(fetchB, { from: 0, to: 200 }, gunzip);
    // The whole set before checking it against splits: what a single read decodes to.
    expect(expectedA.responses[0]?.partitions.map((p) => p.batches.length)).toEqual([2, 1, 0]);
    expect(expectedA.responses[0]?.partitions[0]?.batches[0]?.records.map((r) => r.offset)).toEqual(
      [1, 2],
    );
    expect(
      expectedA.responses[0]?.partitions[1]?.batches[0]?.records.map((r) => r.value?.toString()),
    ).toEqual(['x'.repeat(500), 'y']);

    const [p0, p1] = expectedA.responses[0]?.partitions ?? [];
    expect(
      p0?.batches[0]?.records.map((r) => [
        r.offset,
        r.key?.toString(),
        r.value?.toString() ?? null,
        r.headers.map((h) => `${h.key}=${h.value?.toString()}`),
        r.timestamp,
      ]),
    ).toEqual([
      [1, 'key-1', null, ['trace=t1', 'empty='], 1_700_000_000_003],
      [2, 'key-2', 'c', ['trace=t2', 'empty='], 1_700_000_000_006],
    ]);
    expect(p0?.batches[1]?.records.map((r) => r.offset)).toEqual(
      Array.from({ length: 39 }, (_, i) => 3 + i),
    );
    expect(p1?.abortedTransactions).toEqual([{ producerId: '7', firstOffset: '11' }]);
    for (const [seed, maxChunk] of [
      [1, 1],
      [2, 7],
      [3, 64],
      [4, 300],
      [5, 1_000],
      [6, 5_000],
      [7, stream.length],
    ] as const) {
      const { conn, delivered, kafkajsPath } = connection({ 1: FETCH, 2: METADATA, 3: FETCH });
      for (const chunk of cuts(stream, seed, maxChunk)) conn.processData(chunk);
      const where = `seed ${seed}, chunks of at most ${maxChunk} bytes`;
      expect(kafkajsPath, where).toEqual([]);
      expect(
        delivered.map((d) => [d.correlationId, d.size]),
        where,
      ).toEqual([
        [1, fetchA.length + 4],
        [2, metadata.length + 4],
        [3, fetchB.length + 4],
      ]);
      const [a, meta, b] = delivered as [Delivered, Delivered, Delivered];
      expect(Buffer.isBuffer(meta.payload), where).toBe(true);
      expect(meta.payload, where).toEqual(metadata);
      expect(joinedBytes(a.payload), where).toEqual(fetchA);
      expect(await decodeFetchV11(a.payload, { from: 1, to: 42 }, gunzip), where).toEqual(
        expectedA,
      );
      expect(await decodeFetchV11(b.payload, { from: 0, to: 200 }, gunzip), where).toEqual(
        expectedB,
      );
      // Nothing is left over, and the next response is read from its first byte.
      expect([conn.chunks.length, conn.bytesBuffered, conn.bytesNeeded], where).toEqual([0, 0, 4]);
    }
  });

  test('a record inside one socket read is a view on it, not a copy', async () => {
    const body = fetchBody([
      { name: 't', partitions: [{ partition: 0, records: await batch(0, ['only']) }] },
    ]);
    const { conn, delivered } = connection({ 9: FETCH });
    const read = framed(9, body);
    conn.processData(read);
    const [answer] = delivered as [Delivered];
    const decoded = await decodeFetchV11(answer.payload, { from: 0, to: 1 }, gunzip);
    const value = decoded.responses[0]?.partitions[0]?.batches[0]?.records[0]?.value;
    expect(value?.toString()).toBe('only');
    expect(value?.buffer).toBe(read.buffer);
  });

  test('raw record sets are copied out whole, with the offset after their last batch', async () => {
    const records = Buffer.concat([await batch(20, ['p', 'q']), await batch(22, ['r'])]);
    const body = fetchBody([{ name: 't', partitions: [{ partition: 0, records }] }]);
    const { conn, delivered } = connection({ 4: FETCH });
    for (const chunk of cuts(framed(4, body), 11, 50)) conn.processData(chunk);
    const [answer] = delivered as [Delivered];
    const [partition] =
      (await decodeFetchV11(answer.payload, 'raw', gunzip)).responses[0]?.partitions ?? [];
    expect(partition?.data).toEqual(records);
    expect(partition?.dataEnd).toBe(23);
    expect(partition?.batches).toEqual([]);
  });

  test('a frame too short for its correlation id fails, and the next response is still read', () => {
    const { conn, delivered } = connection({ 5: METADATA });
    expect(() => conn.processData(Buffer.from([0, 0, 0, 2, 9, 9]))).toThrow(
      'a Kafka response of 2 bytes cannot hold its correlation id',
    );
    conn.processData(framed(5, Buffer.from('after')));
    expect(delivered.map((d) => [d.correlationId, joinedBytes(d.payload).toString()])).toEqual([
      [5, 'after'],
    ]);
  });

  test('a chunked payload never shows its bytes when serialised (a logger dumping it)', () => {
    const payload = new ChunkedBytes([Buffer.from('secret '), Buffer.from('value')]);
    expect(JSON.stringify(payload)).toBe('{"type":"ChunkedBytes","length":12,"chunks":2}');
  });

  test('SASL exchanges go through kafkajs’s own path', () => {
    const { conn, delivered, kafkajsPath } = connection({});
    conn.authHandlers = { onSuccess: () => {} };
    conn.processData(Buffer.from([0, 0, 0, 1, 42]));
    expect(kafkajsPath).toEqual([Buffer.from([0, 0, 0, 1, 42])]);
    expect(delivered).toEqual([]);
  });

  test('an old message format and a record cut inside a varint fail with what was wrong', async () => {
    const legacy = Buffer.from(await batch(0, ['v']));
    legacy.writeInt8(1, 16); // magic 1: the format Kafka 4.0 removed
    await expect(
      decodeFetchV11(
        fetchBody([{ name: 't', partitions: [{ partition: 0, records: legacy }] }]),
        { from: 0, to: 1 },
        gunzip,
      ),
    ).rejects.toThrow('unsupported message format (magic 1)');

    const reader = new ByteReader(new ChunkedBytes([Buffer.from([0x80]), Buffer.from([0x81])]));
    expect(() => reader.varint()).toThrow('the response ends inside a varint');
    expect(() => new ByteReader(Buffer.alloc(3)).int32()).toThrow(
      'asked for 4 bytes with 3 left in the response',
    );
  });
});
