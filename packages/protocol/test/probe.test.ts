import { startRedisCluster, startRedisSingle } from '@kf/devstack';
import { Probe, RespConnection, RespErrorReply } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

describe('the testkit probe on a single server', () => {
  let redis: Awaited<ReturnType<typeof startRedisSingle>>;
  beforeAll(async () => {
    redis = await startRedisSingle();
  });
  afterAll(() => redis?.stop());

  test('speaks RESP2: strings, integers, nil, arrays, and error replies', async () => {
    const connection = await RespConnection.open(redis.info);
    try {
      expect(await connection.command(['SET', 'probe:k', 'välue\r\nwith crlf'])).toBe('OK');
      expect(await connection.command(['GET', 'probe:k'])).toBe('välue\r\nwith crlf');
      expect(await connection.command(['GET', 'probe:missing'])).toBeNull();
      expect(await connection.command(['RPUSH', 'probe:l', 'a', 'b'])).toBe(2);
      expect(await connection.command(['LRANGE', 'probe:l', 0, -1])).toEqual(['a', 'b']);
      await expect(connection.command(['LPUSH', 'probe:k', 'x'])).rejects.toBeInstanceOf(
        RespErrorReply,
      );
      const big = 'x'.repeat(200_000);
      await connection.command(['SET', 'probe:big', big]);
      expect(await connection.command(['GET', 'probe:big'])).toBe(big);
      await connection.command(['DEL', 'probe:k', 'probe:l', 'probe:big']);
    } finally {
      connection.close();
    }
  });

  test('a closed connection rejects further commands', async () => {
    const connection = await RespConnection.open(redis.info);
    connection.close();
    await expect(connection.command(['PING'])).rejects.toThrow(/closed/);
  });
});

describe('the testkit probe on a cluster', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(() => cluster?.stop());

  test('follows MOVED to reach every key from one seed node, reaches the master of a key, and runs a command on each master', async () => {
    const seed = cluster.info.nodes.find((n) => n.role === 'master');
    const probe = new Probe({ host: seed?.host ?? '', port: seed?.port ?? 0 });
    try {
      expect(await probe.isCluster()).toBe(true);
      for (let i = 0; i < 20; i++) await probe.command(['SET', `probe:${i}`, String(i)]);
      for (let i = 0; i < 20; i++)
        expect(await probe.command(['GET', `probe:${i}`])).toBe(String(i));
      // No redirection is followed here: only the master owning the slot has the key,
      // any other would answer MOVED.
      for (let i = 0; i < 20; i++)
        expect(await probe.onMasterOf(`probe:${i}`, ['GET', `probe:${i}`])).toBe(String(i));
      const sizes = (await probe.onEveryMaster(['DBSIZE'])) as number[];
      expect(sizes).toHaveLength(3);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
      expect(sizes.every((n) => n > 0)).toBe(true);
    } finally {
      await probe.close();
    }
  });
});
