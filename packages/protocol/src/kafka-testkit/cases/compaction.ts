import { expectSameReads, type KafkaCase, readRange, text, waitFor } from '../context.js';

export const compactionCases: KafkaCase[] = [
  {
    name: 'a compacted topic: gaps inside a range are stepped over and the latest value of each key is read',
    async run(context) {
      const { access, expect, fixture, name } = context;
      const topic = name('compacted');
      // The cleaner looks for work every 200 ms instead of every 15 s (a dynamic broker
      // config, on every broker: the suite's cluster has one).
      for (const nodeId of fixture.nodeIds) {
        await fixture.alterBrokerConfigs(nodeId, { 'log.cleaner.backoff.ms': '200' });
      }
      await fixture.createTopic({
        topic,
        replicationFactor: 1,
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
        fixture.produce(topic, 0, [{ key, value, timestamp }]);
      for (let i = 0; i < 10; i++) await send(`key-${i}`, `v1-${i}`); // offsets 0-9
      for (let i = 0; i < 5; i++) await send(`key-${i}`, `v2-${i}`); // 10-14 rewrite keys 0-4
      // The cleaner never touches the active segment. It rolls when a record's timestamp
      // is more than segment.ms (100 ms) past the segment's first: this one is 1 s past (a
      // timestamp the broker takes: up to log.message.timestamp.after.max.ms, 1 h, ahead).
      await send('roll', 'roll', written + 1_000); // 15

      // The cleaner looks for work every 200 ms and cleans 16 records in milliseconds
      // (measured with kafkajs: the case takes 0.8 s). No timing claim: 30 s only ends a
      // failing case, within the case's own 60 s.
      const survivors = await waitFor(
        'the log cleaner compacting the topic',
        30_000,
        async () => {
          const { records } = await readRange(access, { topic, partition: 0, offset: 0, len: 16 });
          return records[0]?.offset === 5 ? records : undefined;
        },
        250,
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
      await expectSameReads(
        context,
        { topic, partition: 0, offset: 2, len: 12, isolation: 'read_uncommitted', pollFrom: 0 },
        read.records,
      );
    },
  },
];
