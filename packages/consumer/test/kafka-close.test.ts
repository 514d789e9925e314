import { createServer, type Server, type Socket } from 'node:net';
import { waitUntil } from '@kf/devstack';
import { afterEach, describe, expect, test } from 'vitest';
import { createKafkaAccess } from '../src/index.js';
import { startFakeKafkaBrokers } from './support/fake-kafka-broker.js';
import { until } from './support/produce.js';

// A "broker" that accepts connections and never answers: every request to it waits out
// the request timeout, and kafkajs then tries again, connecting anew.
const CONNECTION_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 500;
// close() waits at most one connection and one request timeout for a request under way;
// 1 s of margin for timers on a loaded 2-core machine.
const CLOSE_BOUND_MS = CONNECTION_TIMEOUT_MS + REQUEST_TIMEOUT_MS + 1_000;

describe('closing the kafkajs Kafka access while a request waits on a broker that does not answer', () => {
  let server: Server | undefined;
  const accepted: Socket[] = [];
  afterEach(async () => {
    for (const socket of accepted.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function silentBroker(): Promise<string> {
    server = createServer((socket) => {
      accepted.push(socket);
      socket.on('error', () => undefined); // the client's reset ends it
      socket.resume(); // reads and drops the requests, so the client's end is seen
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `127.0.0.1:${address.port}`;
  }

  test('close() resolves within the timeouts, and no connection is left open or opened again', async () => {
    const broker = await silentBroker();
    const open = () => accepted.filter((s) => !s.destroyed && s.readyState === 'open').length;
    const access = createKafkaAccess({
      brokers: [broker],
      clientId: 'kf-close-test',
      connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      retries: 5,
    });
    const reading = access.offsets('never-answered').catch((e: unknown) => e);
    // The request is under way once the broker has its connection.
    await until(waitUntil, () => accepted.length > 0, 'the access connected', 5_000);
    const started = Date.now();
    await access.close();
    expect(Date.now() - started).toBeLessThan(CLOSE_BOUND_MS);
    // The read fails (refused as closed, or timed out); it does not hang.
    expect(await reading).toBeInstanceOf(Error);
    // Every connection it opened is closed once the read ended, and none opens again:
    // 1 s is two request timeouts, time for a retry to have connected.
    await until(waitUntil, () => open() === 0, 'every connection closed', 5_000);
    const connections = accepted.length;
    await new Promise((resolve) => setTimeout(resolve, 2 * REQUEST_TIMEOUT_MS));
    expect(accepted.length).toBe(connections);
    expect(open()).toBe(0);
  });

  test('a metadata load kafkajs retries on a broker it already picked (no leader) reconnects nothing after close', async () => {
    const fake = await startFakeKafkaBrokers();
    try {
      // Seeded as localhost: the brokers the metadata names (127.0.0.1) are brokers of
      // kafkajs's pool, distinct from the seed.
      const access = createKafkaAccess({
        brokers: [`localhost:${fake.ports[0]}`],
        clientId: 'kf-close-test',
        connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        retries: 3,
      });
      await access.refreshMetadata(['t']);
      // The next answer says the partition has no leader: kafkajs waits, then asks the
      // same broker again, after close() has disconnected it.
      fake.noLeaderAnswers = 1;
      const calls = fake.metadataCalls;
      const loading = access.refreshMetadata(['t']).catch((e: unknown) => e);
      await until(waitUntil, () => fake.metadataCalls > calls, 'the reload asked', 5_000);
      await access.close();
      await loading;
      // A retry connects within kafkajs's first retry delay (100–300 ms); 1 s is room.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(fake.openConnections()).toBe(0);
    } finally {
      await fake.close();
    }
  });
});
