import { ErrorCode, isKfError } from '../../errors/index.js';
import { defineScript } from '../../script.js';
import { type ConformanceCase, rejectionOf } from '../context.js';

// A unique comment keeps each run's SHA1 apart, so "not yet cached" is really tested.
const MOVE_AND_COUNT = (salt: string) =>
  defineScript(
    'move-and-count',
    `-- conformance ${salt}
-- KEYS[1] source list, KEYS[2] destination list, KEYS[3] counter hash; ARGV[1] field
local moved = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
if not moved then return nil end
local count = redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
return { moved, count, tonumber(ARGV[2]) * 2 }`,
  );

export const scriptCases: ConformanceCase[] = [
  {
    name: 'evalScript runs a script over several keys of one hash tag, with its replies converted',
    async run({ redis, probe, key, expect }) {
      const script = MOVE_AND_COUNT(key('salt'));
      const keys = [key('work'), key('working'), key('stats')];
      expect(await redis.evalScript(script, keys, ['moves', 21])).toBeNull();
      await probe.command(['RPUSH', keys[0] as string, 'u1']);
      expect(await redis.evalScript(script, keys, ['moves', 21])).toEqual(['u1', 1, 42]);
      expect(await probe.command(['HGET', keys[2] as string, 'moves'])).toBe('1');
      expect(await probe.command(['LRANGE', keys[1] as string, 0, -1])).toEqual(['u1']);
    },
  },
  {
    name: 'evalScript reloads a script after SCRIPT FLUSH emptied the cache',
    async run({ redis, probe, key, expect }) {
      const script = MOVE_AND_COUNT(key('salt'));
      const keys = [key('work'), key('working'), key('stats')];
      await probe.command(['RPUSH', keys[0] as string, 'u1', 'u2']);
      expect(await redis.evalScript(script, keys, ['n', 1])).toEqual(['u2', 1, 2]);
      await probe.onEveryMaster(['SCRIPT', 'FLUSH']);
      const cached = (await probe.command(['SCRIPT', 'EXISTS', script.sha1])) as number[];
      expect(cached).toEqual([0]);
      expect(await redis.evalScript(script, keys, ['n', 1])).toEqual(['u1', 2, 2]);
    },
  },
  {
    name: 'a script returning an error reply rejects with ScriptError carrying the reply word for word',
    async run({ redis, probe, key, expect }) {
      const script = defineScript('fails', "return redis.error_reply('KF_EPOCH stale leader')");
      const error = await rejectionOf(redis.evalScript(script, [key('any')], []));
      expect(isKfError(error, ErrorCode.Script)).toBe(true);
      expect((error as { scriptName?: string }).scriptName).toBe('fails');
      // kf's scripts refuse a stale leader or a lost lease this way, and kf reads the words.
      expect((error as { serverMessage?: unknown }).serverMessage).toBe('KF_EPOCH stale leader');
      expect((error as Error).message).toMatch(/KF_EPOCH stale leader/);
      const reply = await rejectionOf(probe.command(['EVAL', script.source, 1, key('any')]));
      expect((reply as Error).message).toBe('KF_EPOCH stale leader');
    },
  },
  {
    name: "a script failing at run time rejects with ScriptError carrying the server's reply",
    async run({ redis, probe, key, expect }) {
      const script = defineScript('wrong-type', "return redis.call('LPUSH', KEYS[1], 'x')");
      await redis.set(key('a-string'), 'v');
      const error = await rejectionOf(redis.evalScript(script, [key('a-string')], []));
      expect(isKfError(error, ErrorCode.Script)).toBe(true);
      expect((error as Error).message).toMatch(/WRONGTYPE/);
      // The server names the script by its SHA1 in this reply, whether EVAL or EVALSHA ran it.
      const reply = await rejectionOf(probe.command(['EVALSHA', script.sha1, 1, key('a-string')]));
      expect((error as { serverMessage?: unknown }).serverMessage).toBe((reply as Error).message);
    },
  },
];
