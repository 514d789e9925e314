import { createServer } from 'node:net';
import type { KfConfigInput } from '@kf/core';
import { ConfigError } from '@kf/protocol';
import { afterAll, describe, expect, test } from 'vitest';
import { type InvalidCase, invalidConfigs } from '../../core/test/support/invalid-configs.js';
import { createNode, NodeStartError } from '../src/index.js';

// Short, so that an invalid config that slips through fails here in seconds, not 15.
const START_TIMEOUT_MS = 1_500;

/** A loopback server that counts the connections made to it and drops each at once. */
interface Tripwire {
  port: number;
  accepted(): number;
  close(): Promise<void>;
}

async function startTripwire(): Promise<Tripwire> {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Started before the tables are built: every address they do not set is the tripwire's.
const tripwire = await startTripwire();
afterAll(() => tripwire.close());

const valid = {
  bootstrapBrokers: [`127.0.0.1:${tripwire.port}`],
  redis: { host: '127.0.0.1', port: tripwire.port, groupName: 'bad-config' },
};

interface BadTopics extends Omit<InvalidCase, 'input'> {
  topics: string[];
}

const badTopics: BadTopics[] = [
  { name: 'empty name', topics: [''], path: 'topics[0]', message: /got ""/ },
  {
    name: 'longer than Kafka allows',
    topics: ['orders', 'a'.repeat(250)],
    path: 'topics[1]',
    message: /got "a{250}"/,
  },
  { name: 'a slash', topics: ['a/b'], path: 'topics[0]', message: /got "a\/b"/ },
  { name: 'a space', topics: ['orders', 'new orders'], path: 'topics[1]', message: /got "new / },
  { name: 'a letter outside ASCII', topics: ['café'], path: 'topics[0]', message: /got "café"/ },
  { name: "'..', a path, not a topic", topics: ['..'], path: 'topics[0]', message: /got "\.\."/ },
  {
    name: 'not a string',
    topics: ['orders', 42 as unknown as string],
    path: 'topics[1]',
    message: /got 42/,
  },
  {
    name: 'one name instead of a list',
    topics: 'orders' as unknown as string[],
    path: 'topics',
    message: /expected an array of topic names/,
  },
];

/** What `createNode` rejected with; resolving fails the test. */
async function rejection(config: unknown, topics: string[]): Promise<unknown> {
  return createNode(config as KfConfigInput, topics, { startTimeoutMs: START_TIMEOUT_MS }).then(
    () => expect.unreachable('createNode resolved'),
    (error: unknown) => error,
  );
}

function expectConfigError(error: unknown, { path, message }: Omit<InvalidCase, 'input'>): void {
  expect(error).toBeInstanceOf(ConfigError);
  const { code, issues } = error as ConfigError;
  expect(code).toBe('KF_CONFIG_INVALID');
  expect(issues.map((i) => i.path)).toEqual([path]);
  expect(issues[0]?.message).toMatch(message);
}

describe('createNode rejects bad input before any connection, naming the field', () => {
  const invalid = invalidConfigs(valid);

  test.each(invalid)('config: $name → $path', async (entry) => {
    const before = tripwire.accepted();
    expectConfigError(await rejection(entry.input, ['orders']), entry);
    expect(tripwire.accepted()).toBe(before);
  });

  test.each(badTopics)('topics: $name → $path', async (entry) => {
    const before = tripwire.accepted();
    expectConfigError(await rejection(valid, entry.topics), entry);
    expect(tripwire.accepted()).toBe(before);
  });

  // A connection started just before the rejection may be accepted a moment after it.
  test('the tripwire saw no connection, late ones included', async () => {
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(tripwire.accepted()).toBe(0);
  });
});

describe('the tripwire', () => {
  // Without this, a tripwire nothing could reach would pass every test above.
  test('counts the connection of a valid config, which then fails to start in time', async () => {
    const started = Date.now();
    const error = await rejection(valid, ['orders']);
    expect(error).toBeInstanceOf(NodeStartError);
    expect(error).toMatchObject({ service: 'redis' });
    expect(Date.now() - started).toBeLessThan(START_TIMEOUT_MS + 1_000);
    expect(tripwire.accepted()).toBeGreaterThanOrEqual(1);
  });
});
