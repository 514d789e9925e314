import {
  isKafkaAccessError,
  isKfError,
  KafkaErrorCode,
  KafkaRequestError,
  KfError,
  NotLeaderError,
  OffsetNotAvailableError,
  OffsetOutOfRangeError,
  UnknownTopicPartitionError,
} from '@kf/protocol';
import { describe, expect, test } from 'vitest';

const cause = new Error('the client said no');

describe('the Kafka port’s error classes', () => {
  test.each([
    [
      new OffsetOutOfRangeError('orders', 3, 50, 0, 5, { cause }),
      'OffsetOutOfRangeError',
      KafkaErrorCode.OffsetOutOfRange,
    ],
    [
      new UnknownTopicPartitionError('orders', 7, { cause }),
      'UnknownTopicPartitionError',
      KafkaErrorCode.UnknownTopicOrPartition,
    ],
    [
      new NotLeaderError('orders', 3, 'broker-unreachable', 2, { cause }),
      'NotLeaderError',
      KafkaErrorCode.NotLeader,
    ],
    [
      new OffsetNotAvailableError('orders', 3, 2, { cause }),
      'OffsetNotAvailableError',
      KafkaErrorCode.OffsetNotAvailable,
    ],
    [
      new KafkaRequestError('fetch orders/3 at 120', 2, 'CORRUPT_MESSAGE', { cause }),
      'KafkaRequestError',
      KafkaErrorCode.Request,
    ],
  ])('%s is a KfError with its name, stable code and cause', (error, name, code) => {
    expect(error).toBeInstanceOf(KfError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
    expect(isKfError(error, code)).toBe(true);
    expect(isKafkaAccessError(error, code)).toBe(true);
    expect(isKafkaAccessError(error)).toBe(true);
  });

  test('isKafkaAccessError tells the port’s codes from others', () => {
    // A look-alike from another copy of the package: recognised by its code alone.
    expect(isKafkaAccessError({ code: KafkaErrorCode.NotLeader }, KafkaErrorCode.NotLeader)).toBe(
      true,
    );
    expect(isKafkaAccessError({ code: KafkaErrorCode.NotLeader }, KafkaErrorCode.Request)).toBe(
      false,
    );
    expect(isKafkaAccessError({ code: 'KF_CONNECTION_CLOSED' })).toBe(false);
    expect(isKafkaAccessError(new Error('plain'))).toBe(false);
    expect(isKafkaAccessError(null)).toBe(false);
  });

  test('messages carry what a reader of the log needs', () => {
    expect(new OffsetOutOfRangeError('orders', 3, 50, undefined, 5).message).toBe(
      'offset 50 is out of range for orders/3: the partition holds [?, 5)',
    );
    expect(new NotLeaderError('orders', 3, 'no-reply', undefined).message).toBe(
      'orders/3 could not be read (no-reply): refresh the metadata and retry',
    );
    expect(new UnknownTopicPartitionError('orders', undefined).message).toBe(
      'topic orders does not exist',
    );
  });
});
