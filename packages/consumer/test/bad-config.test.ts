import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { KfConfigInput } from '@kf/core';
import { waitUntil } from '@kf/devstack';
import { ConfigError } from '@kf/protocol';
import { afterAll, describe, expect, test } from 'vitest';
import { type InvalidCase, invalidConfigs } from '../../core/test/support/invalid-configs.js';
import { createNode, NodeStartError } from '../src/index.js';

// Short, so that an invalid config that slips through fails here in seconds, not 15.
const START_TIMEOUT_MS = 1_500;

/** A loopback server that counts the connections made to it and drops each at once. */
interface Tripwire {
  port: number;
  /** Connections accepted so far, the tripwire's own probes left out. */
  accepted(): number;
  /**
   * Connections accepted once every connection this process had started is: a probe
   * connected now is accepted after any connection started before it (loopback, one
   * accept queue), and no connect or address lookup of this process is still pending.
   */
  settled(): Promise<number>;
  close(): Promise<void>;
}

async function startTripwire(): Promise<Tripwire> {
  const ports: Array<number | undefined> = [];
  let probes = 0;
  const server = createServer((socket) => {
    ports.push(socket.remotePort);
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  const pending = () =>
    process
      .getActiveResourcesInfo()
      .some((r) => r === 'TCPConnectWrap' || r === 'GetAddrInfoReqWrap');
  return {
    port,
    accepted: () => ports.length - probes,
    async settled() {
      const from = ports.length;
      probes += 1;
      const probe = connect(port, '127.0.0.1');
      try {
        await once(probe, 'connect');
        const probePort = probe.localPort;
        await waitUntil(
          async () => (ports.indexOf(probePort, from) >= 0 && !pending() ? true : undefined),
          // On loopback the probe is accepted within a turn of the event loop: no timing
          // claim, 5 s only ends a failing test.
          { what: 'the tripwire accepting its probe', timeoutMs: 5_000, intervalMs: 1 },
        );
      } finally {
        probe.destroy();
      }
      return ports.length - probes;
    },
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

  // A connection started just before the rejection may be accepted a moment after it:
  // each test counts once the tripwire has settled.
  test.each(invalid)('config: $name → $path', async (entry) => {
    const before = await tripwire.settled();
    expectConfigError(await rejection(entry.input, ['orders']), entry);
    expect(await tripwire.settled()).toBe(before);
  });

  test.each(badTopics)('topics: $name → $path', async (entry) => {
    const before = await tripwire.settled();
    expectConfigError(await rejection(valid, entry.topics), entry);
    expect(await tripwire.settled()).toBe(before);
  });
});

describe('the tripwire', () => {
  // Without this, a tripwire nothing could reach would pass every test above.
  test('counts the connection of a valid config, which then fails to start in time', async () => {
    const before = await tripwire.settled();
    const started = performance.now();
    const error = await rejection(valid, ['orders']);
    const elapsedMs = performance.now() - started;
    expect(error).toBeInstanceOf(NodeStartError);
    expect(error).toMatchObject({ service: 'redis' });
    // Redis is the tripwire, which drops every connection: the client retries until the
    // start's deadline (startTimeoutMs), then a client that never connected is closed.
    // Margin 500 ms: that close, and timers late on a 2-core machine shared with other
    // test runs (measured in node.test.ts: 2.00–2.06 s with a 2 s bound).
    expect(elapsedMs).toBeLessThan(START_TIMEOUT_MS + 500);
    expect(await tripwire.settled()).toBeGreaterThan(before);
  });
});
