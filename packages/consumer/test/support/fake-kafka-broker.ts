import { createServer, type Server, type Socket } from 'node:net';

/**
 * Two fake Kafka brokers on loopback (nodes 1 and 2) that answer only ApiVersions and
 * Metadata v0, for a topic `t` of one partition led by node 2: enough for a kafkajs
 * client to load metadata, and for a test to script an answer kafkajs retries
 * (`noLeaderAnswers`: the next Metadata answers say the partition has no leader), and
 * that records what each client asks (`takeRequests`). Pure protocol, no Kafka: what a
 * test of the client's own connection handling needs.
 */
export interface FakeKafkaBrokers {
  readonly ports: number[];
  /** Metadata requests answered so far. */
  readonly metadataCalls: number;
  /** How many of the next Metadata answers say the partition has no leader. */
  noLeaderAnswers: number;
  /** Connections from clients still open at the brokers' end. */
  openConnections(): number;
  /** The requests received since the last call (API key and version), in order. */
  takeRequests(): Array<{ apiKey: number; version: number }>;
  close(): Promise<void>;
}

const API_VERSIONS = 18;
const METADATA = 3;
const LEADER_NOT_AVAILABLE = 5;

const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const text = (s: string) => Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);
const array = (items: Buffer[]) => Buffer.concat([int32(items.length), ...items]);

export async function startFakeKafkaBrokers(): Promise<FakeKafkaBrokers> {
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const ports: number[] = [];
  let metadataCalls = 0;
  let received: Array<{ apiKey: number; version: number }> = [];
  const brokers: FakeKafkaBrokers = {
    ports,
    get metadataCalls() {
      return metadataCalls;
    },
    noLeaderAnswers: 0,
    openConnections: () => [...sockets].filter((s) => !s.destroyed).length,
    takeRequests() {
      const taken = received;
      received = [];
      return taken;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };

  const answer = (apiKey: number, version: number): Buffer | undefined => {
    if (apiKey === API_VERSIONS) {
      const apis = [
        [API_VERSIONS, 0, 2],
        [METADATA, 0, 0],
      ].map(([key, min, max]) =>
        Buffer.concat([int16(key ?? 0), int16(min ?? 0), int16(max ?? 0)]),
      );
      return Buffer.concat([int16(0), array(apis), ...(version >= 1 ? [int32(0)] : [])]);
    }
    if (apiKey !== METADATA) return undefined;
    metadataCalls += 1;
    const noLeader = brokers.noLeaderAnswers > 0;
    if (noLeader) brokers.noLeaderAnswers -= 1;
    const nodes = array(
      ports.map((port, i) => Buffer.concat([int32(i + 1), text('127.0.0.1'), int32(port)])),
    );
    const partition = Buffer.concat([
      int16(noLeader ? LEADER_NOT_AVAILABLE : 0),
      int32(0),
      int32(noLeader ? -1 : 2),
      array([int32(2)]),
      array([int32(2)]),
    ]);
    return Buffer.concat([
      nodes,
      array([Buffer.concat([int16(0), text('t'), array([partition])])]),
    ]);
  };

  const serve = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // a client's reset ends it
    let pending = Buffer.alloc(0);
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const request = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + request.length);
        received.push({ apiKey: request.readInt16BE(0), version: request.readInt16BE(2) });
        const body = answer(request.readInt16BE(0), request.readInt16BE(2));
        if (body === undefined) {
          socket.destroy();
          return;
        }
        const reply = Buffer.concat([int32(request.readInt32BE(4)), body]);
        socket.write(Buffer.concat([int32(reply.length), reply]));
      }
    });
  };
  for (let node = 0; node < 2; node++) {
    const server = createServer(serve);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    ports.push(address.port);
  }
  return brokers;
}
