import { describe, expect, test } from 'vitest';
import { KafkaErrorCode } from '../src/errors/kafka-error-code.js';
import { KafkaRequestError } from '../src/errors/kafka-request-error.js';
import { NotLeaderError } from '../src/errors/not-leader-error.js';
import { errorFromThrown } from '../src/kafka/error-mapping.js';

const target = { topic: 't', partition: 2, nodeId: 1, operation: 'fetch t/2' };

describe('errorFromThrown: what kafkajs threw, as the reason a partition could not be read', () => {
  // A request timeout cannot tell a hung broker from a fetch slow for its size: it is
  // named for what was seen (no reply), not for a cause it cannot know.
  test('a request kafkajs timed out is no-reply, kept as the cause', () => {
    const thrown = {
      name: 'KafkaJSRequestTimeoutError',
      message: 'Request Fetch(key: 1) timed out',
    };
    const mapped = errorFromThrown(thrown, target);
    expect(mapped).toBeInstanceOf(NotLeaderError);
    expect(mapped).toMatchObject({
      code: KafkaErrorCode.NotLeader,
      reason: 'no-reply',
      topic: 't',
      partition: 2,
      nodeId: 1,
    });
    expect(mapped.cause).toBe(thrown);
    expect(mapped.message).toMatch(/no-reply/);
  });

  test.each([
    'KafkaJSConnectionError',
    'KafkaJSConnectionClosedError',
    'KafkaJSBrokerNotFound',
    'KafkaJSLockTimeout',
    'KafkaJSNumberOfRetriesExceeded',
  ])('%s: the broker could not be reached (broker-unreachable)', (name) => {
    const mapped = errorFromThrown({ name, message: 'x' }, target);
    expect(mapped).toBeInstanceOf(NotLeaderError);
    expect(mapped).toMatchObject({ reason: 'broker-unreachable' });
  });

  test('anything else stays a KafkaRequestError with its message', () => {
    const mapped = errorFromThrown(new Error('socket hang up'), target);
    expect(mapped).toBeInstanceOf(KafkaRequestError);
    expect(mapped.message).toMatch(/socket hang up/);
  });
});
