import { inspect } from 'node:util';
import { createTopic, type KafkaService, startKafka } from '@kf/devstack';
import { isKafkaAccessError, type KafkaAccess, KafkaErrorCode } from '@kf/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPlatformaticKafkaAccess } from '../src/index.js';

// What only this implementation needs proven: its refusals before a request is sent, its
// redaction of a SASL password, and its close. The reads themselves are proven by the
// KafkaAccess conformance suite, run on this port in @kf/consumer's suite
// (kafka-port-platformatic.test.ts) with the same fixture as the kafkajs port.

describe('Kafka port on @platformatic/kafka, one broker', () => {
  let kafka: KafkaService;
  let access: KafkaAccess;
  const topic = 'plain';

  beforeAll(async () => {
    kafka = await startKafka({ brokers: 1 });
    await createTopic(kafka.info.brokers, { topic });
    access = createPlatformaticKafkaAccess({
      brokers: kafka.info.brokers,
      clientId: 'kf-platformatic-test',
    });
  });

  afterAll(async () => {
    await access?.close();
    await kafka?.stop();
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

  test('a failed SASL authentication is a typed error; the password appears in no error nor log line', async () => {
    // The plaintext listener has no SASL mechanism enabled: the handshake is refused, and
    // with it every request, as a wrong password would be.
    const password = 'kf-secret-password-that-must-not-leak';
    const lines: string[] = [];
    const log = (fields: object, message: string) =>
      lines.push(`${message} ${inspect(fields, { depth: 8 })}`);
    const refused = createPlatformaticKafkaAccess({
      brokers: kafka.info.brokers,
      sasl: { mechanism: 'plain', username: 'kf', password },
      retries: 1,
      logger: { debug: log, info: log, warn: log, error: log },
    });
    try {
      const error = await refused.metadata([topic]).catch((e: unknown) => e);
      expect(isKafkaAccessError(error)).toBe(true);
      // inspect prints the error's own properties and its causes, nested.
      expect(inspect(error, { depth: 8, showHidden: true })).not.toContain(password);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).not.toContain(password);
    } finally {
      await refused.close();
    }
  });

  test('after close, every call is refused as closed', async () => {
    const closing = createPlatformaticKafkaAccess({ brokers: kafka.info.brokers });
    expect((await closing.metadata([topic])).topics[0]?.topic).toBe(topic);
    await closing.close();
    const error = await closing
      .fetch({
        topic,
        partition: 0,
        offset: 0,
        maxBytes: 1024,
        maxWaitMs: 0,
        isolation: 'read_uncommitted',
      })
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/closed/);
    // Even what the cache holds: a closed access answers nothing.
    await expect(closing.metadata([topic])).rejects.toThrow(/closed/);
  });
});
