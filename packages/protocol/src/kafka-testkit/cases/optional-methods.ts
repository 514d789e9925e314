import { type KafkaCase, pollBatches } from '../context.js';
import type { OptionalKafkaMethod } from '../runner.js';

const optionalMethods: readonly OptionalKafkaMethod[] = ['awaitLogEnds', 'readRecords'];

export const optionalMethodCases: KafkaCase[] = [
  {
    name: 'the implementation provides exactly the optional methods declared',
    async run({ access, expect, optionalMethods: declared }) {
      expect(
        optionalMethods.map((method) => [method, typeof access[method] === 'function']),
      ).toEqual(optionalMethods.map((method) => [method, declared.includes(method)]));
    },
  },
  {
    name: 'awaitLogEnds answers log ends, and with recordsMaxBytes the whole batches from `from`',
    needs: ['awaitLogEnds'],
    async run({ access, expect, plainTopic }) {
      const topic = await plainTopic();
      const leader = (await access.metadata([topic])).topics[0]?.partitions[0]?.leader ?? -1;
      const polled = await pollBatches(access, {
        topic,
        partition: 0,
        from: 10,
        isolation: 'read_uncommitted',
      });
      // Read from 10, a batch's base offset, up to past the last batch.
      expect(polled).toMatchObject({ from: 10, to: 30 });
      // A poll asked for no records brings none.
      const [bare] =
        (await access.awaitLogEnds?.(leader, [{ topic, partition: 0, from: 10 }], {
          maxWaitMs: 0,
          isolation: 'read_uncommitted',
        })) ?? [];
      expect(bare).toEqual({ topic, partition: 0, earliest: 0, latest: 30 });
    },
  },
];
