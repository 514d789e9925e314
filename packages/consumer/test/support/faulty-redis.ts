import { createRedis, type RedisConfig, type RedisFactory } from '@kf/core';
import type { IRedis, RedisScript, ScriptArg, ScriptReply } from '@kf/protocol';

/**
 * Decides what one script call does: `undefined` passes it to the real server, an error
 * is thrown instead of calling it (a fault the real server could answer with).
 */
export type ScriptFault = (
  script: RedisScript,
  keys: string[],
  args: ScriptArg[],
) => Error | undefined;

/**
 * A real adapter, built from the config as kf would build it, whose script calls can be
 * made to fail on cue: the faults a real Redis answers (a connection lost, `NOPERM`) at
 * the one moment a test needs them. Everything else reaches the real server unchanged.
 */
export function faultyRedis(fault: ScriptFault): RedisFactory {
  return async (conf: RedisConfig) => withScriptFault(await createRedis(conf), fault);
}

export function withScriptFault(real: IRedis, fault: ScriptFault): IRedis {
  return withScriptCalls(real, (script, keys, args, call) => {
    const error = fault(script, keys, args);
    return error === undefined ? call() : Promise.reject(error);
  });
}

/** A real adapter whose script replies are told to `seen` as they come back. */
export function observedRedis(
  seen: (script: RedisScript, reply: ScriptReply) => void,
): RedisFactory {
  return async (conf: RedisConfig) =>
    withScriptCalls(await createRedis(conf), async (script, _keys, _args, call) => {
      const reply = await call();
      seen(script, reply);
      return reply;
    });
}

/** `real`, each script call going through `around`, which makes it (`call`) or not. */
export function withScriptCalls(
  real: IRedis,
  around: (
    script: RedisScript,
    keys: string[],
    args: ScriptArg[],
    call: () => Promise<ScriptReply>,
  ) => Promise<ScriptReply>,
): IRedis {
  return new Proxy(real, {
    get(target, property, receiver) {
      if (property === 'evalScript') {
        return (script: RedisScript, keys: string[], args: ScriptArg[]) =>
          around(script, keys, args, () => target.evalScript(script, keys, args));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
