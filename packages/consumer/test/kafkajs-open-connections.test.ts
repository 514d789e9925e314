import { describe, expect, test } from 'vitest';
import { OpenConnections, type WatchedConnection } from '../src/kafka/kafkajs-open-connections.js';

/** A connection whose connect and disconnect finish when the test says so. */
function fakeConnection() {
  let connected = false;
  const gates: { connect: Array<(ok: boolean) => void>; disconnect: Array<() => void> } = {
    connect: [],
    disconnect: [],
  };
  const connection: WatchedConnection = {
    isConnected: () => connected,
    connect: () =>
      new Promise((resolve, reject) =>
        gates.connect.push((ok) => {
          connected = ok;
          if (ok) resolve(true);
          else reject(new Error('connect refused'));
        }),
      ),
    disconnect: () =>
      new Promise((resolve) =>
        gates.disconnect.push(() => {
          connected = false;
          resolve(undefined);
        }),
      ),
  };
  const next = <T>(list: T[]): T => {
    const first = list.shift();
    if (first === undefined) throw new Error('nothing pending');
    return first;
  };
  return {
    connection,
    finishConnect: (ok = true) => next(gates.connect)(ok),
    finishDisconnect: () => next(gates.disconnect)(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('OpenConnections: what a kafkajs access close disconnects', () => {
  test('a connection joins when it connects and leaves once disconnected', async () => {
    const open = new OpenConnections();
    const fake = fakeConnection();
    open.track({ pool: [fake.connection] });
    const connecting = fake.connection.connect();
    expect(open.size).toBe(1);
    fake.finishConnect();
    await connecting;
    const disconnecting = fake.connection.disconnect();
    fake.finishDisconnect();
    await disconnecting;
    expect(open.size).toBe(0);
  });

  test('a connect begun while a disconnect is ending keeps the connection watched', async () => {
    const open = new OpenConnections();
    const fake = fakeConnection();
    open.track({ pool: [fake.connection] });
    const first = fake.connection.connect();
    fake.finishConnect();
    await first;
    // kafkajs disconnects (a close), and a request still under way connects it again
    // before the disconnect has returned.
    const disconnecting = fake.connection.disconnect();
    const again = fake.connection.connect();
    fake.finishDisconnect();
    await disconnecting;
    expect(open.size).toBe(1);
    fake.finishConnect();
    await again;
    expect(fake.connection.isConnected()).toBe(true);
    expect(open.size).toBe(1);
    // The close's sweep reaches it.
    const all = open.disconnectAll();
    await settle();
    fake.finishDisconnect();
    await all;
    expect(open.size).toBe(0);
  });

  test('a connect that fails leaves nothing watched; one that fails after another connected keeps it', async () => {
    const open = new OpenConnections();
    const fake = fakeConnection();
    open.track({ pool: [fake.connection] });
    const refused = fake.connection.connect();
    fake.finishConnect(false);
    await expect(refused).rejects.toThrow('connect refused');
    expect(open.size).toBe(0);

    const a = fake.connection.connect();
    const b = fake.connection.connect();
    fake.finishConnect(true);
    await a;
    // The second connect's socket failed, but the connection is still connected.
    const isConnected = fake.connection.isConnected;
    fake.connection.isConnected = () => true;
    fake.finishConnect(false);
    await expect(b).rejects.toThrow('connect refused');
    fake.connection.isConnected = isConnected;
    expect(open.size).toBe(1);
  });

  test('a pool tracked twice wraps its connections once', async () => {
    const open = new OpenConnections();
    const fake = fakeConnection();
    const pool = { pool: [fake.connection] };
    open.track(pool);
    const wrapped = fake.connection.connect;
    open.track(pool);
    expect(fake.connection.connect).toBe(wrapped);
  });
});
