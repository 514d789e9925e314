import { defineScript, type RedisScript } from '@kf/protocol';
import acquireLeader from './acquire-leader-2.lua?raw';
import serverTime from './lib/server-time.lua?raw';
import listNodes from './list-nodes-1.lua?raw';
import releaseLeader from './release-leader-1.lua?raw';
import removeExpiredNode from './remove-expired-node-1.lua?raw';
import renewLeader from './renew-leader-2.lua?raw';
import renewLease from './renew-lease-1.lua?raw';

// The `.lua` files are inlined as text at build time (tsup's `?raw` plugin) and by Vite
// in tests, so the package ships no loose files and reads none at run time.

/**
 * A script that calls `now_ms()` (Redis server time in ms): the shared snippet goes
 * first. Exported so other kf packages' scripts read the same clock the same way.
 */
export function withServerTime(name: string, body: string): RedisScript {
  return defineScript(name, `${serverTime}\n${body}`);
}

/**
 * The status the lock and lease scripts reply with first (or alone): whether they did
 * what was asked or refused, the reason following where there is one.
 */
export const ScriptStatus = { Refused: 0, Done: 1 } as const;

export const scripts = {
  acquireLeader: defineScript('acquire-leader', acquireLeader),
  renewLeader: defineScript('renew-leader', renewLeader),
  releaseLeader: defineScript('release-leader', releaseLeader),
  renewLease: withServerTime('renew-lease', renewLease),
  listNodes: withServerTime('list-nodes', listNodes),
  removeExpiredNode: withServerTime('remove-expired-node', removeExpiredNode),
} as const satisfies Record<string, RedisScript>;
