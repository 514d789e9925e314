import { parseConfig } from '@kf/core';
import { startRedisSingle, waitUntil } from '@kf/devstack';
import { createPlatformaticKafkaAccess } from '@kf/kafka-platformatic';
import { AdapterNotInstalledError, type KafkaClientOptions, silentLogger } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { kafkaFromConfig } from '../src/connect/kafka-from-config.js';
import { loadPlatformatic } from '../src/connect/load-platformatic.js';
import { openGroupAdmin } from '../src/index.js';
import { startFakeKafkaBrokers } from './support/fake-kafka-broker.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, tally, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

// Waits for deliveries make no timing claim: their bound only ends a failing test.
const DELIVERY_MS = 30_000;

/** Node's own error for a package it cannot find, as an ESM import throws it. */
function notFound(specifier: string): Error {
  return Object.assign(
    new Error(`Cannot find package '${specifier}' imported from /app/node_modules/x.js`),
    { code: 'ERR_MODULE_NOT_FOUND' },
  );
}

describe('loading @kf/kafka-platformatic for kafka.client', () => {
  test('the package not installed is an AdapterNotInstalledError naming it and the setting', async () => {
    const error = await loadPlatformatic(() => Promise.reject(notFound('@kf/kafka-platformatic')))
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterNotInstalledError);
    expect(error).toMatchObject({ packageName: '@kf/kafka-platformatic' });
    expect(String(error)).toContain("kafka.client 'platformatic'");
  });

  test('its driver not installed names @platformatic/kafka, and what needs it', async () => {
    const error = await loadPlatformatic(() =>
      Promise.reject(notFound('@platformatic/kafka/dist/index.js')),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterNotInstalledError);
    expect(error).toMatchObject({ packageName: '@platformatic/kafka' });
    expect(String(error)).toContain('@kf/kafka-platformatic, which');
  });

  test('any other failure to load is rethrown as it is', async () => {
    const broken = new SyntaxError('Unexpected token');
    await expect(loadPlatformatic(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});

describe('the Kafka client a node reads with', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-client-choice' });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'client-choice',
    conf: { useEarliest: true },
  });

  test('kafka.client picks the port: each speaks its own protocol versions, and both read the cluster', async () => {
    const base = config();
    const clients = ['kafkajs', 'platformatic'] as const;
    // Told apart on the wire: kafkajs asks a broker's API versions first (ApiVersions,
    // key 18), the platformatic port sends Metadata v8 (key 3) at once.
    const fake = await startFakeKafkaBrokers();
    const firstRequests: Array<{ apiKey: number; version: number } | undefined> = [];
    try {
      for (const client of clients) {
        const access = await kafkaFromConfig(
          parseConfig({
            ...base,
            bootstrapBrokers: fake.ports.slice(0, 1).map((port) => `127.0.0.1:${port}`),
            kafka: { client, requestTimeoutMs: 2_000 },
          }),
          silentLogger,
        );
        // The fake answers only what kafkajs asks: the other port's load fails, as it may.
        await access.metadata(['t']).catch(() => undefined);
        await access.close();
        firstRequests.push(fake.takeRequests()[0]);
      }
    } finally {
      await fake.close();
    }
    expect(firstRequests).toEqual([
      { apiKey: 18, version: 2 },
      { apiKey: 3, version: 8 },
    ]);
    const t = await topic('client-choice', 2);
    const built = await Promise.all(
      clients.map((client) =>
        kafkaFromConfig(parseConfig({ ...base, kafka: { client } }), silentLogger),
      ),
    );
    try {
      for (const access of built) {
        const metadata = await access.metadata([t]);
        expect(metadata.topics.map((x) => x.partitions.length)).toEqual([2]);
      }
    } finally {
      await Promise.all(built.map((access) => access.close()));
    }
  });

  test('a node on kafka.client platformatic consumes every message of three partitions once', async () => {
    const t = await topic('client-platformatic', 3);
    const ids = await produceIds(stack.producer, t, { count: 1_500, partitions: 3 });
    const n = await node({ ...config({ consumeStep: 200 }), kafka: { client: 'platformatic' } }, [
      t,
    ]);
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await until(waitUntil, () => seen.length >= ids.length, 'every message', DELIVERY_MS);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(tally(seen).duplicates).toBe(0);
  });

  test('kafkaFactory builds the access from the kafka section, and the node reads and closes it', async () => {
    const t = await topic('client-factory', 2);
    const ids = await produceIds(stack.producer, t, { count: 400, partitions: 2 });
    const given: KafkaClientOptions[] = [];
    let closed = 0;
    const conf = { ...config(), kafka: { clientId: 'kf-factory-test', requestTimeoutMs: 20_000 } };
    const n = await node(conf, [t], {
      kafkaFactory: (options) => {
        given.push(options);
        const access = createPlatformaticKafkaAccess(options);
        return {
          ...access,
          close: async () => {
            closed += 1;
            await access.close();
          },
        };
      },
    });
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await until(waitUntil, () => seen.length >= ids.length, 'every message', DELIVERY_MS);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(given).toHaveLength(1);
    expect(given[0]).toMatchObject({
      brokers: stack.kafka.info.brokers,
      clientId: 'kf-factory-test',
      requestTimeoutMs: 20_000,
    });
    await n.close({ timeoutMs: 2_000 });
    expect(closed).toBe(1);
  });

  test('the group admin builds its Kafka access with kafkaFactory too', async () => {
    const t = await topic('client-admin', 1);
    await produceIds(stack.producer, t, { count: 10, partitions: 1 });
    const built: string[] = [];
    const admin = await openGroupAdmin(config(), {
      kafkaFactory: (options) => {
        built.push(options.clientId ?? '');
        return createPlatformaticKafkaAccess(options);
      },
    });
    try {
      const lag = await admin.lag({ topics: [t] });
      expect(lag.topics.flatMap((x) => x.partitions.map((p) => p.logEnd))).toEqual([10]);
      expect(built).toEqual(['kf']);
    } finally {
      await admin.close();
    }
  });
});
