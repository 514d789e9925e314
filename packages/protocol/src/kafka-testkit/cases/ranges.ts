import type { FetchRequest, FetchResult } from '../../kafka/kafka-access.js';
import { rejectionOf } from '../../testkit/context.js';
import { type KafkaCase, type KafkaCaseContext, readRange, text } from '../context.js';

// The plain topic: batches [0,10), [10,20), [20,30) of partition 0, record n with key
// k<n>, value value-<n>, headers n and tag (twice), timestamp 1_700_000_000_000 + n.

/** One fetch of the plain topic's partition from `offset`; `request` overrides the rest. */
async function fetchPlain(
  { access, plainTopic }: KafkaCaseContext,
  offset: number,
  request: Partial<FetchRequest> = {},
): Promise<FetchResult> {
  return access.fetch({
    topic: await plainTopic(),
    partition: 0,
    offset,
    maxBytes: 1_048_576,
    maxWaitMs: 100,
    isolation: 'read_uncommitted',
    ...request,
  });
}

export const rangeCases: KafkaCase[] = [
  {
    name: 'metadata lists the partition and its leader; offsets give earliest and latest',
    async run({ access, expect, fixture, plainTopic }) {
      const topic = await plainTopic();
      const metadata = await access.metadata([topic]);
      expect(metadata.brokers.map((b) => b.nodeId).sort((a, b) => a - b)).toEqual(
        [...fixture.nodeIds].sort((a, b) => a - b),
      );
      const leader = metadata.topics[0]?.partitions[0]?.leader ?? -1;
      expect(fixture.nodeIds).toContain(leader);
      expect(metadata.topics).toEqual([
        { topic, partitions: [{ partition: 0, leader, replicas: [leader], isr: [leader] }] },
      ]);
      expect(await access.offsets(topic)).toEqual([{ partition: 0, earliest: 0, latest: 30 }]);
      expect((await access.refreshMetadata([topic])).topics[0]?.partitions[0]?.leader).toBe(leader);
    },
  },
  {
    name: 'a range inside one batch returns exactly its records, with key, value, headers and timestamp',
    async run({ access, expect, plainTopic }) {
      const topic = await plainTopic();
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
    },
  },
  {
    name: 'endOffset: records at or above it are not returned, nextOffset still passes the batch',
    async run(context) {
      const { expect } = context;
      const result = await fetchPlain(context, 12, { endOffset: 15, isolation: 'read_committed' });
      expect(result.records.map((r) => r.offset)).toEqual([12, 13, 14]);
      expect(result.nextOffset).toBe(30);
    },
  },
  {
    name: 'a fetch starting mid-batch drops the records below its offset',
    async run(context) {
      const { expect } = context;
      const result = await fetchPlain(context, 13);
      expect(result.records[0]?.offset).toBe(13);
      expect(result.records.every((r) => r.offset >= 13)).toBe(true);
      expect(result.records.map((r) => r.offset)).toEqual(
        Array.from({ length: 17 }, (_, i) => 13 + i),
      );
      expect(result.nextOffset).toBe(30);
      expect(result.highWatermark).toBe(30);
    },
  },
  {
    name: 'a range across batches, over the byte limit, is read in several fetches with nothing lost or repeated',
    async run({ access, expect, plainTopic }) {
      const topic = await plainTopic();
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
    },
  },
  {
    name: 'at the end of the partition a fetch returns nothing and stays put',
    async run(context) {
      const { expect } = context;
      const result = await fetchPlain(context, 30, { maxBytes: 1024, maxWaitMs: 50 });
      expect(result.records).toEqual([]);
      expect(result.nextOffset).toBe(30);
    },
  },
  {
    name: 'offsets by time: the first record at or after it, the log end past the last',
    async run({ access, expect, plainTopic }) {
      const topic = await plainTopic();
      expect(await access.offsetsAt(topic, 1_700_000_000_015)).toEqual([
        { partition: 0, offset: 15 },
      ]);
      expect(await access.offsetsAt(topic, 0)).toEqual([{ partition: 0, offset: 0 }]);
      expect(await access.offsetsAt(topic, 1_800_000_000_000)).toEqual([
        { partition: 0, offset: 30 },
      ]);
      const refused = await rejectionOf(access.offsetsAt(topic, -5));
      expect(String((refused as Error).message)).toMatch(/timestampMs must be an integer/);
    },
  },
  {
    name: 'offsets committed from outside a consumer group are read back; a group with live members refuses them',
    async run({ access, expect, fixture, name, plainTopic }) {
      const topic = await plainTopic();
      const group = name('port-commit');
      expect(await access.committedOffsets(group, topic, [0])).toEqual([]);
      await access.commitOffsets(group, [{ topic, partition: 0, offset: 12 }]);
      expect(await access.committedOffsets(group, topic, [0])).toEqual([
        { topic, partition: 0, offset: 12 },
      ]);
      await access.commitOffsets(group, [{ topic, partition: 0, offset: 30 }]);
      expect(await access.committedOffsets(group, topic, [0])).toEqual([
        { topic, partition: 0, offset: 30 },
      ]);

      const liveGroup = name('port-live-group');
      const member = await fixture.joinGroup(liveGroup, topic);
      try {
        const refused = await rejectionOf(
          access.commitOffsets(liveGroup, [{ topic, partition: 0, offset: 1 }]),
        );
        expect(refused).toMatchObject({ name: 'KafkaRequestError' });
        expect(String((refused as Error).message)).toContain('UNKNOWN_MEMBER_ID');
      } finally {
        await member.leave();
      }
    },
  },
];
