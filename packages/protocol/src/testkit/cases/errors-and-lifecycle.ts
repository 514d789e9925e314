import { inspect } from 'node:util';
import { ErrorCode, isKfError } from '../../errors/index.js';
import { type ConformanceCase, rejectionOf } from '../context.js';

export const errorAndLifecycleCases: ConformanceCase[] = [
  {
    name: 'a server error reply rejects with CommandError naming the server prefix',
    async run({ redis, probe, key, expect }) {
      const k = key('a-string');
      await probe.command(['SET', k, 'v']);
      const error = await rejectionOf(redis.listPush(k, ['x'], { side: 'left' }));
      expect(isKfError(error, ErrorCode.Command)).toBe(true);
      expect((error as { prefix?: string }).prefix).toBe('WRONGTYPE');
      expect((error as Error).name).toBe('CommandError');
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
    // The suite must be run against a server that requires a password (requirepass or
    // an ACL user), with the adapter configured with it and the probe given it too:
    // without one there is no secret to look for, and the case would prove nothing.
    name: 'errors never carry the password',
    async run({ redis, key, options, expect }) {
      const password = options.probe.password;
      if (!password) {
        throw new Error(
          'this case needs a password-protected server: start Redis with a password ' +
            '(requirepass, or an ACL user), configure the adapter with it, and pass it ' +
            'as probe.password in the conformance options',
        );
      }
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
