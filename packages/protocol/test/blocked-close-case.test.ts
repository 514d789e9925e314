import { startRedisCluster, startRedisSingle } from '@kf/devstack';
import { ConnectionClosedError, type IRedis, type RedisTopology } from '@kf/protocol';
import { Probe, type RespAddress, rejectionOf } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blockingCases } from '../src/testkit/cases/blocking.js';
import { runCase } from '../src/testkit/context.js';

const blockedCloseCase = blockingCases.find((c) =>
  c.name.startsWith('close() while a move is blocked ends it on the server'),
);

/**
 * Just enough of `IRedis` for the case: each BLMOVE on a connection of its own (a probe,
 * which follows MOVED to the slot's master on a cluster). A `leaky` one rejects the
 * blocked call on close() but leaves its connection open, the defect the case is for;
 * those connections go to `leaked` for the test to close.
 */
function blockingOnlyRedis(
  address: RespAddress,
  topology: RedisTopology,
  leaky: boolean,
  leaked: Probe[],
): IRedis {
  const waiting = new Map<Probe, (error: Error) => void>();
  let closed = false;
  const redis: Pick<IRedis, 'topology' | 'listBlockingMove' | 'close'> = {
    topology,
    async listBlockingMove(source, destination, options) {
      if (closed) throw new ConnectionClosedError('closed');
      const connection = new Probe(address);
      return new Promise<string | null>((resolve, reject) => {
        waiting.set(connection, reject);
        const args = [source, destination, options.from, options.to, options.timeoutMs / 1_000];
        connection.command(['BLMOVE', ...args]).then(
          (reply) => resolve(reply as string | null),
          (error: unknown) =>
            reject(new ConnectionClosedError('connection lost', { cause: error })),
        );
      }).finally(() => {
        waiting.delete(connection);
        if (!leaked.includes(connection)) void connection.close();
      });
    },
    async close() {
      closed = true;
      for (const [connection, reject] of waiting) {
        if (leaky) leaked.push(connection);
        else await connection.close();
        reject(new ConnectionClosedError('the adapter was closed'));
      }
    },
  };
  // The case calls nothing else; the other methods would only be stubs.
  return redis as IRedis;
}

async function runAgainst(address: RespAddress, topology: RedisTopology, leaky: boolean) {
  if (!blockedCloseCase) throw new Error('the blocked-close case is not registered');
  const leaked: Probe[] = [];
  try {
    await runCase(
      blockedCloseCase,
      () => blockingOnlyRedis(address, topology, leaky, leaked),
      { name: `${leaky ? 'leaky' : 'tidy'} ${topology}`, topology, probe: address },
      expect,
    );
  } finally {
    await Promise.all(leaked.map((connection) => connection.close()));
  }
}

describe('the case for a move blocked at close(), on one server', () => {
  let redis: Awaited<ReturnType<typeof startRedisSingle>>;
  beforeAll(async () => {
    redis = await startRedisSingle();
  });
  afterAll(() => redis?.stop());

  test('passes on an adapter whose close() closes the blocked connection', async () => {
    await runAgainst(redis.info, 'single', false);
  });

  test('fails on an adapter whose close() leaves the blocked connection open', async () => {
    const failure = await rejectionOf(runAgainst(redis.info, 'single', true));
    expect(String(failure)).toMatch(/still open: cmd=blmove flags=b/);
  });
});

describe('the case for a move blocked at close(), on a cluster', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  const seed = (): RespAddress => {
    const { host, port } = cluster.info.nodes.find((n) => n.role === 'master') ?? {};
    return { host: host ?? '', port: port ?? 0 };
  };
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(() => cluster?.stop());

  // The case's keys land in a random slot, so the blocked connection is usually on a
  // master other than the seed: the case must look for it there.
  test('passes on an adapter whose close() closes the blocked connection', async () => {
    await runAgainst(seed(), 'cluster', false);
  });

  test('fails on an adapter whose close() leaves the blocked connection open', async () => {
    const failure = await rejectionOf(runAgainst(seed(), 'cluster', true));
    expect(String(failure)).toMatch(/still open: cmd=blmove flags=b/);
  });
});
