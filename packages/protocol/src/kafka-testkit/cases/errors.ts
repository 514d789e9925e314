import {
  isKafkaAccessError,
  KafkaErrorCode,
  OffsetOutOfRangeError,
  UnknownTopicPartitionError,
} from '../../index.js';
import { rejectionOf } from '../../testkit/context.js';
import { type KafkaCase, producePlainBatches } from '../context.js';

const request = {
  partition: 0,
  offset: 0,
  maxBytes: 1024,
  maxWaitMs: 50,
  isolation: 'read_uncommitted' as const,
};

export const errorCases: KafkaCase[] = [
  {
    name: 'an offset above the latest is a typed OffsetOutOfRangeError carrying the partition range',
    async run({ access, expect, fixture, name }) {
      const topic = name('errors-range');
      await fixture.createTopic({ topic, replicationFactor: 1 });
      await producePlainBatches(fixture, topic, 1, 5);
      const error = await rejectionOf(access.fetch({ ...request, topic, offset: 50 }));
      expect(error).toBeInstanceOf(OffsetOutOfRangeError);
      expect(isKafkaAccessError(error, KafkaErrorCode.OffsetOutOfRange)).toBe(true);
      expect(error).toMatchObject({ topic, partition: 0, offset: 50, earliest: 0, latest: 5 });
    },
  },
  {
    name: 'an unknown topic and an unknown partition are typed UnknownTopicPartitionErrors',
    async run({ access, expect, name, plainTopic }) {
      const topic = await plainTopic();
      const missing = name('no-such-topic');
      const noTopic = await rejectionOf(access.fetch({ ...request, topic: missing }));
      expect(noTopic).toBeInstanceOf(UnknownTopicPartitionError);
      expect(noTopic).toMatchObject({ topic: missing });
      const noPartition = await rejectionOf(access.fetch({ ...request, topic, partition: 7 }));
      expect(noPartition).toBeInstanceOf(UnknownTopicPartitionError);
      expect(noPartition).toMatchObject({ topic, partition: 7 });
      expect(isKafkaAccessError(noPartition, KafkaErrorCode.UnknownTopicOrPartition)).toBe(true);
    },
  },
];
