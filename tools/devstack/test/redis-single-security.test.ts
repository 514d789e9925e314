import { existsSync } from 'node:fs';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RedisSingle, smokeSingle, startRedisSingle, withRedis } from '../src/index.js';
import { stopAndExpectGone } from './support/expect-stopped.js';

describe('Redis single server with a password, an ACL user and TLS', () => {
  let redis: RedisSingle;
  beforeAll(async () => {
    redis = await startRedisSingle({
      password: 'default-secret',
      users: ['app on >app-secret ~app:* +@all'],
      tls: true,
    });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test('info carries what a client needs: rediss URL, password, PEM material and files', () => {
    expect(redis.info.url).toBe(`rediss://127.0.0.1:${redis.info.port}`);
    expect(redis.info.password).toBe('default-secret');
    expect(redis.info.tls?.ca).toMatch(/BEGIN CERTIFICATE/);
    expect(redis.info.tls?.key).toMatch(/PRIVATE KEY/);
    for (const file of Object.values(redis.info.tlsFiles ?? {}))
      expect(existsSync(file)).toBe(true);
  });

  test('smoke check and probes log in with the credentials in info', async () => {
    const result = await smokeSingle(redis.info);
    expect(result.read).toBe(result.written);
  });

  test('without the password the server refuses commands (NOAUTH)', async () => {
    expect(await firstReplyOverTls(redis, 'PING\r\n')).toMatch(/^-NOAUTH/);
  });

  test('the ACL user logs in and is held to its key pattern', async () => {
    const app = { username: 'app', password: 'app-secret', tls: redis.info.tls };
    expect(await withRedis(redis.info, (c) => c.set('app:k', 'v'), app)).toBe('OK');
    await expect(withRedis(redis.info, (c) => c.set('other:k', 'v'), app)).rejects.toThrow(
      /NOPERM/,
    );
  });

  test('a client without a certificate, or without TLS, gets nowhere', async () => {
    const address = { host: redis.info.host, port: redis.info.port, password: 'default-secret' };
    await expect(
      withRedis({ ...address, tls: { ca: redis.info.tls?.ca } }, (c) => c.ping()),
    ).rejects.toThrow();
    await expect(withRedis(address, (c) => c.ping())).rejects.toThrow();
  });

  test('stops cleanly, leaving no process and no run directory', async () => {
    await stopAndExpectGone(redis);
  });
});

/** Sends raw RESP over a TLS connection with no login, and resolves with the first reply. */
function firstReplyOverTls(redis: RedisSingle, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: redis.info.host, port: redis.info.port, ...redis.info.tls });
    socket.once('secureConnect', () => socket.write(request));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('utf8'));
    });
    socket.once('error', reject);
  });
}
