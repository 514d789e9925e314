import { inspect } from 'node:util';
import { ErrorCode, isKfError } from '../../errors/index.js';
import { type ConformanceCase, rejectionOf } from '../context.js';
import { type RespAddress, RespConnection, RespErrorReply } from '../resp-connection.js';

export const errorAndLifecycleCases: ConformanceCase[] = [
  {
    // kf decides by the server's words whether a failed write may succeed when sent again
    // (READONLY, LOADING, BUSY, CLUSTERDOWN …) and reports OOM, NOSCRIPT or NOPERM as
    // they came: a driver that rewords or shortens error replies must rebuild them.
    name: "a server error reply rejects with CommandError carrying the server's reply word for word",
    async run({ redis, probe, key, expect }) {
      const k = key('a-string');
      await probe.command(['SET', k, 'v']);
      const reply = await rejectionOf(probe.command(['LPUSH', k, 'x']));
      const error = await rejectionOf(redis.listPush(k, ['x'], { side: 'left' }));
      expect(isKfError(error, ErrorCode.Command)).toBe(true);
      expect((error as Error).name).toBe('CommandError');
      expect((error as { serverMessage?: unknown }).serverMessage).toBe((reply as Error).message);
      expect((error as { prefix?: string }).prefix).toBe('WRONGTYPE');
    },
  },
  {
    name: 'after close() every call rejects with ConnectionClosedError, and close() is idempotent',
    async run({ redis, key, expect }) {
      await redis.set(key('before'), 'v');
      await redis.close();
      await redis.close();
      for (const call of [
        () => redis.get(key('before')),
        () => redis.listLength(key('list')),
        () =>
          // Never sent: a closed adapter rejects at once, whatever the timeout.
          redis.listBlockingMove(key('a'), key('b'), { from: 'left', to: 'right', timeoutMs: 100 }),
      ]) {
        const error = await rejectionOf(call());
        expect(isKfError(error, ErrorCode.ConnectionClosed)).toBe(true);
      }
    },
  },
  {
    // The suite must be run against a server that requires a password (requirepass, or
    // an ACL user with the default user's password set), with the adapter configured
    // with it and the probe given it too: without one there is no secret to look for,
    // and the case would prove nothing. Only an adapter documented as unable to log in
    // runs it on an open server, which the case then checks is open.
    name: 'errors never carry the password',
    async run({ redis, key, options, expect }) {
      const { host, port, tls, password } = options.probe;
      // No username, no password: the connection of a client that does not log in.
      const address = { host, port, ...(tls ? { tls } : {}) };
      if (options.cannotAuthenticate !== undefined) {
        if (password !== undefined) {
          throw new Error(
            'probe.password is given, but cannotAuthenticate says the adapter cannot log in: ' +
              'give one or the other',
          );
        }
        const open = await serverRequiresNoPassword(address);
        if (open !== true) {
          throw new Error(
            `the adapter is declared unable to authenticate ("${options.cannotAuthenticate}"), ` +
              `but the server refused a connection without a password (${open}): run the ` +
              'suite against a server that requires none, or drop cannotAuthenticate',
          );
        }
        return;
      }
      if (!password) {
        throw new Error(
          'this case needs a password-protected server: start Redis with a password ' +
            '(requirepass, or an ACL user), configure the adapter with it, and pass it ' +
            'as probe.password in the conformance options; only an adapter whose README ' +
            'says it cannot authenticate sets cannotAuthenticate instead',
        );
      }
      // Else the adapter could work without ever sending the password it is checked for.
      const open = await serverRequiresNoPassword(address);
      if (open === true) {
        throw new Error(
          'the server answered a connection that sent no password: make it require one ' +
            "(requirepass sets the default user's), so the adapter must log in",
        );
      }
      expect(open).toMatch(/^NOAUTH/);
      await redis.set(key('s'), 'v');
      const errors = [await rejectionOf(redis.hashGetAll(key('s')))];
      await redis.close();
      errors.push(await rejectionOf(redis.get(key('s'))));
      for (const error of errors) {
        // The whole cause chain and every own property, as a logger would print them.
        const text = `${inspect(error, { depth: 10 })} ${(error as Error).stack ?? ''} ${JSON.stringify(error)}`;
        expect(text).toMatch(/\S/);
        expect(text).not.toContain(password);
      }
    },
  },
];

/**
 * Whether the server answers PING on a connection that did not log in: `true`, or the
 * error reply it gave instead (`NOAUTH …`).
 */
async function serverRequiresNoPassword(address: RespAddress): Promise<true | string> {
  const connection = await RespConnection.open(address);
  try {
    await connection.command(['PING']);
    return true;
  } catch (error) {
    if (error instanceof RespErrorReply) return error.message;
    throw error;
  } finally {
    connection.close();
  }
}
