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

  test('commands sent together get their replies in order, an error reply in its place', async () => {
    const connection = await RespConnection.open(redis.info);
    try {
      const replies = connection.commandsTogether([
        ['SET', 'probe:n', '1'],
        ['LPUSH', 'probe:n', 'x'],
        ['INCR', 'probe:n'],
      ]);
      expect(await replies[0]).toBe('OK');
      await expect(replies[1]).rejects.toThrow(/^WRONGTYPE/);
      expect(await replies[2]).toBe(2);
      await connection.command(['DEL', 'probe:n']);
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

  test('follows MOVED to reach every key from one seed node, reaches the master of a key (commands sent together too), and runs a command on each master', async () => {
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
      // Sent together to the key's master: no redirection, one reply each.
      expect(
        await probe.onMasterOfTogether('probe:3', [
          ['GET', 'probe:3'],
          ['APPEND', 'probe:3', '!'],
        ]),
      ).toEqual(['3', 2]);
      await probe.command(['SET', 'probe:3', '3']);
      const sizes = (await probe.onEveryMaster(['DBSIZE'])) as number[];
      expect(sizes).toHaveLength(3);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
      expect(sizes.every((n) => n > 0)).toBe(true);
    } finally {
      await probe.close();
    }
  });
});
