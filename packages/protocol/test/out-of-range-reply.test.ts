import {
  KafkaRequestError,
  type Logger,
  NotLeaderError,
  OffsetOutOfRangeError,
  outOfRangeReply,
  UnknownTopicPartitionError,
} from '@kf/protocol';
import { describe, expect, test } from 'vitest';

const request = { topic: 'orders', partition: 2, offset: 40 };

function recordingLogger(): Logger & { warned: Array<[object, string]> } {
  const warned: Array<[object, string]> = [];
  const ignore = () => undefined;
  return {
    warned,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (f, m) => warned.push([f, m]),
  };
}

describe('outOfRangeReply: the error for an OFFSET_OUT_OF_RANGE fetch', () => {
  test('carries the range read afresh for the fetched partition', async () => {
    const asked: Array<[string, number]> = [];
    const logger = recordingLogger();
    const error = await outOfRangeReply(request, {
      readRange: async (topic, partition) => {
        asked.push([topic, partition]);
        return { partition, earliest: 100, latest: 250 };
      },
      logger,
    });
    expect(asked).toEqual([['orders', 2]]);
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({
      topic: 'orders',
      partition: 2,
      offset: 40,
      earliest: 100,
      latest: 250,
    });
    expect(logger.warned).toEqual([]);
  });

  test.each([
    ['a leader that moved', new NotLeaderError('orders', 2, 'not-leader', 1)],
    ['a partition that is gone', new UnknownTopicPartitionError('orders', 2)],
  ])(
    '%s meanwhile is returned as that error, so the fetch is retried as such',
    async (_, thrown) => {
      const logger = recordingLogger();
      const error = await outOfRangeReply(request, {
        readRange: () => Promise.reject(thrown),
        logger,
      });
      expect(error).toBe(thrown);
      expect(logger.warned).toEqual([]);
    },
  );

  test('any other failure leaves the range unknown, logged, with the failure as cause', async () => {
    const logger = recordingLogger();
    const failure = new KafkaRequestError('list offsets orders/2', 7, 'ListOffsets failed');
    const error = await outOfRangeReply(request, {
      readRange: () => Promise.reject(failure),
      logger,
      cause: (e) => new Error(`redacted: ${(e as Error).message}`),
    });
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({ earliest: undefined, latest: undefined });
    expect((error.cause as Error).message).toBe(`redacted: ${failure.message}`);
    expect(logger.warned).toHaveLength(1);
    expect(logger.warned[0]?.[0]).toMatchObject({
      err: failure,
      topic: 'orders',
      partition: 2,
      offset: 40,
    });
  });

  test('a partition the range read does not list leaves the range unknown', async () => {
    const error = await outOfRangeReply(request, {
      readRange: async () => undefined,
      logger: recordingLogger(),
    });
    expect(error).toMatchObject({ earliest: undefined, latest: undefined });
  });
});
