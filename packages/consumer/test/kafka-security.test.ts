import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { KafkaClientName } from '@kf/core';
import { type KafkaSecureInfo, startRedisSingle, waitUntil } from '@kf/devstack';
import type { Logger } from '@kf/protocol';
import { beforeAll, describe, expect, test } from 'vitest';
import { createNode } from '../src/index.js';
import { type GroupConfig, useGroupNodes } from './support/group-nodes.js';
import { compareIds, idRuns, produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

// A wait for deliveries makes no timing claim: its bound only ends a failing test. 200
// messages arrive in under a second over TLS on the 2-core development machine; 30 s is
// room for a machine shared with other test runs.
const DELIVERY_MS = 30_000;
// A refused TLS handshake or login fails the start at once (measured under 1 s); 10 s
// only bounds a failing test.
const START_TIMEOUT_MS = 10_000;

/** Every line a logger was given, fields included, as text to search for secrets. */
function recordingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const record = (level: string) => (fields: object, message: string) => {
    lines.push(`${level} ${message} ${inspect(fields, { depth: 8 })}`);
  };
  return {
    logger: {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    },
    text: () => lines.join('\n'),
  };
}

/** An error and every cause under it, each with all its own properties, as text. */
function errorChainText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    parts.push(inspect(e, { depth: 8, showHidden: true }));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

describe('Kafka over TLS and SASL_SSL, on each Kafka client', () => {
  const stack = useKafkaRedis({
    redis: () => startRedisSingle(),
    clientId: 'kf-security-test',
    secure: true,
  });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'security',
    conf: { useEarliest: true },
  });
  const secure = (): KafkaSecureInfo => {
    const info = stack.kafka.info.secure;
    if (!info) throw new Error('the broker was started without its secured listeners');
    return info;
  };

  let client: KafkaClientName = 'kafkajs';
  /**
   * A group's config reaching Kafka through `brokers` with the `kafka` section given, on
   * the client of the `describe` running.
   */
  function securedConfig(brokers: string[], kafka: Record<string, unknown>): GroupConfig {
    return { ...config(), bootstrapBrokers: brokers, kafka: { ...kafka, client } } as GroupConfig;
  }

  /** Produces on plaintext, consumes through `input`'s listener: every id once. */
  async function consumesEverything(input: GroupConfig, name: string): Promise<void> {
    const t = await topic(name, 2);
    const ids = await produceIds(stack.producer, t, { count: 200, partitions: 2 });
    const n = await node(input, [t]);
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await until(waitUntil, () => seen.length >= ids.length, `${name}: 200 messages`, DELIVERY_MS);
    const { missing, extra } = compareIds(ids, seen);
    expect(`missing [${idRuns(missing)}], extra [${idRuns(extra)}]`).toBe('missing [], extra []');
    expect(seen).toHaveLength(ids.length);
  }

  /** What `createNode` rejected with, and what it logged on the way; a started node fails the test. */
  async function failedStart(input: GroupConfig) {
    const { logger, text } = recordingLogger();
    const error = await createNode(input, ['never-created'], {
      logger,
      startTimeoutMs: START_TIMEOUT_MS,
    }).then(
      async (n) => {
        await n.close({ timeoutMs: 2_000 });
        return new Error('the node started');
      },
      (e: unknown) => e,
    );
    return { error, logs: text() };
  }

  // One secured broker for both clients: its start (keystores, SCRAM user) is most of the cost.
  describe.each(['kafkajs', 'platformatic'] as const)('on %s', (name) => {
    beforeAll(() => {
      client = name;
    });

    test('TLS with the CA verified: every message arrives', async () => {
      const info = secure();
      await consumesEverything(
        securedConfig(info.tlsBrokers, { ssl: { ca: [info.caPem] } }),
        `tls-${name}`,
      );
    });

    test.each(['scram-sha-512', 'plain'] as const)(
      'SASL_SSL with %s: every message arrives',
      async (mechanism) => {
        const info = secure();
        const user = mechanism === 'plain' ? info.plain : info.scram;
        await consumesEverything(
          securedConfig(info.saslBrokers, {
            ssl: { ca: [info.caPem] },
            sasl: { mechanism, ...user },
          }),
          `sasl-${mechanism}-${name}`,
        );
      },
    );

    test.each(['scram-sha-512', 'plain'] as const)(
      'a wrong %s password fails the start with a NodeStartError naming Kafka, the password nowhere',
      async (mechanism) => {
        const info = secure();
        const user = mechanism === 'plain' ? info.plain : info.scram;
        const wrong = `wrong-${randomBytes(12).toString('hex')}`;
        const { error, logs } = await failedStart(
          securedConfig(info.saslBrokers, {
            ssl: { ca: [info.caPem] },
            sasl: { mechanism, username: user.username, password: wrong },
          }),
        );
        expect(error).toMatchObject({
          name: 'NodeStartError',
          code: 'KF_NODE_START_FAILED',
          service: 'kafka',
        });
        expect((error as Error).message).toMatch(/kafka .*authentication failed/i);
        // The client's own log of the refused login went through the node's logger: the
        // search below reads real lines, not an empty log.
        expect(logs).toMatch(/authentication failed/i);
        const everything = `${errorChainText(error)}\n${logs}`;
        expect(everything).not.toContain(wrong);
        expect(everything).not.toContain(user.password);
      },
    );

    test('a broker certificate from another CA is refused: the start fails naming Kafka', async () => {
      const info = secure();
      const { error } = await failedStart(
        securedConfig(info.tlsBrokers, { ssl: { ca: [info.otherCaPem] } }),
      );
      expect(error).toMatchObject({
        name: 'NodeStartError',
        code: 'KF_NODE_START_FAILED',
        service: 'kafka',
      });
      expect(errorChainText(error)).toMatch(/self[- ]signed certificate in certificate chain/);
    });
  });
});
