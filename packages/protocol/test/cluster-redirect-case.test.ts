import { randomUUID } from 'node:crypto';
import {
  type RedisCluster,
  type RedisSingle,
  startRedisCluster,
  startRedisSingle,
} from '@kf/devstack';
import type { RedisTopology } from '@kf/protocol';
import { type RespAddress, rejectionOf } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clusterRedirectCases } from '../src/testkit/cases/cluster-redirects.js';
import { runCase } from '../src/testkit/context.js';
import { caseNamed, type StubFlaws, stubRedis } from './support/stub-redis.js';

const redirectCase = caseNamed(clusterRedirectCases, 'redirections that never settle');
const password = `cases-pw-${randomUUID()}`;

const run = (address: RespAddress, topology: RedisTopology, flaws: StubFlaws = {}) =>
  runCase(
    redirectCase,
    (settings) => stubRedis(address, topology, settings, flaws),
    { name: `stub ${topology}`, topology, probe: address },
    expect,
  );

describe('the case for redirections that never settle, on a cluster', () => {
  let cluster: RedisCluster;
  const seed = (): RespAddress => {
    const { host, port } = cluster.info.nodes.find((n) => n.role === 'master') ?? {};
    return { host: host ?? '', port: port ?? 0, password };
  };
  beforeAll(async () => {
    cluster = await startRedisCluster({ password });
  });
  afterAll(() => cluster?.stop());

  test('passes on an adapter that ends a redirection loop with ClusterRedirectError', async () => {
    await run(seed(), 'cluster');
  });

  test("fails on an adapter that passes the loop on as its driver's own error", async () => {
    const failure = await rejectionOf(
      run(seed(), 'cluster', { leavesRedirectsUntranslated: true }),
    );
    expect(String(failure)).toMatch(/ClusterRedirectError/);
  });

  test('fails when a cluster is declared a single server, so it cannot pass unexercised', async () => {
    const failure = await rejectionOf(run(seed(), 'single'));
    expect(String(failure)).toMatch(/single on a cluster/);
  });
});

describe('the case for redirections that never settle, on one server', () => {
  let server: RedisSingle;
  beforeAll(async () => {
    server = await startRedisSingle({ password });
  });
  afterAll(() => server?.stop());
  const address = () => ({ host: server.info.host, port: server.info.port, password });

  test('passes when the server declared single is no cluster', async () => {
    await run(address(), 'single');
  });

  test('fails when the server declared a cluster is none', async () => {
    const failure = await rejectionOf(run(address(), 'cluster'));
    expect(String(failure)).toMatch(/cluster on no cluster/);
  });
});
