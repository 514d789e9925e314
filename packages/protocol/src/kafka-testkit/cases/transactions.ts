import { expectSameReads, type KafkaCase, readRange, stableAt, text } from '../context.js';

export const transactionCases: KafkaCase[] = [
  {
    name: 'transactions under read_committed: the aborted one is skipped, markers never returned',
    async run(context) {
      const { access, expect, fixture, name } = context;
      const topic = name('transactions');
      await fixture.createTopic({ topic, replicationFactor: 1 });
      const tx = await fixture.transactionalProducer(topic);
      try {
        const values = (...v: string[]) => v.map((value) => ({ value }));
        await tx.transaction(topic, 0, values('c0', 'c1', 'c2'), 'commit'); // 0-2, marker 3
        await tx.transaction(topic, 0, values('a0', 'a1', 'a2'), 'abort'); // 4-6, marker 7
      } finally {
        await tx.close();
      }
      // The coordinator writes the abort marker after abort() returns: a record produced
      // before it lands would take offset 7 and the marker 8. Wait until both markers are
      // in the log (the last stable offset reaches 8) so 'after' gets offset 8.
      await stableAt(access, topic, 8, 'transaction markers written');
      await fixture.produce(topic, 0, [{ value: 'after' }]); // 8
      await stableAt(access, topic, 9, "'after' stable");

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

      const uncommittedRead = await readRange(
        access,
        { topic, partition: 0, offset: 0, len: 9 },
        { isolation: 'read_uncommitted' },
      );
      // Aborted data is visible to read_uncommitted, the markers (3 and 7) still are not.
      expect(uncommittedRead.records.map((r) => r.offset)).toEqual([0, 1, 2, 4, 5, 6, 8]);

      // Read from a poll's batches: the poll lists the aborted transaction beside them,
      // also for a range that starts inside the aborted transaction.
      for (const [offset, len, pollFrom] of [
        [0, 9, 0],
        [5, 4, 0],
      ] as const) {
        for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
          const range = { topic, partition: 0, offset, len };
          const fetched = await readRange(access, range, { isolation });
          await expectSameReads(context, { ...range, isolation, pollFrom }, fetched.records);
        }
      }
    },
  },
  {
    name: 'a transaction aborted before a range does not hide its producer’s committed records in it',
    async run(context) {
      const { access, expect, fixture, name } = context;
      const topic = name('transactions-aborted-first');
      await fixture.createTopic({ topic, replicationFactor: 1 });
      const tx = await fixture.transactionalProducer(topic);
      try {
        await tx.transaction(topic, 0, [{ value: 'aborted-0' }], 'abort'); // 0, marker 1
        await stableAt(access, topic, 2, 'the abort marker written');
        await tx.transaction(topic, 0, [{ value: 'committed-2' }], 'commit'); // 2, marker 3
        await stableAt(access, topic, 4, 'the commit marker written');
      } finally {
        await tx.close();
      }
      // One poll from 0 lists the aborted transaction beside all four offsets; a range
      // read from it at 2 must hold what a fetch from 2 reads.
      for (const offset of [0, 2]) {
        const range = { topic, partition: 0, offset, len: 4 - offset };
        const fetched = await readRange(access, range, { isolation: 'read_committed' });
        expect(fetched.records.map((r) => [r.offset, text(r.value)])).toEqual([[2, 'committed-2']]);
        await expectSameReads(
          context,
          { ...range, isolation: 'read_committed', pollFrom: 0 },
          fetched.records,
        );
      }
    },
  },
];
