import type { IRedis } from '@kf/protocol';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type GroupKeys, groupKeys, type RedisClientName } from '../../src/index.js';
import { connect, freshGroup, type Server, startServer } from './servers.js';

export interface FreshGroup {
  /** The code under test's connection to the server. */
  readonly redis: IRedis;
  /** A plain client of the server, to check state without the code under test. */
  readonly probe: Redis | Cluster;
  /** The running test's group, and its keys. */
  readonly group: string;
  readonly keys: GroupKeys;
}

/**
 * Sets the calling describe block up on a real Redis: a server of `kind`, reached
 * through `client`, for all its tests; a group of its own for each test, whose keys
 * `written` names are deleted after it.
 */
export function useFreshGroup(
  { kind, client }: { kind: Server['kind']; client: RedisClientName },
  written: (keys: GroupKeys) => string[],
): FreshGroup {
  let server: Server | undefined;
  let redis: IRedis | undefined;
  let group: string | undefined;
  let keys: GroupKeys | undefined;
  beforeAll(async () => {
    server = await startServer(kind);
    redis = await connect(server, client);
  });
  beforeEach(() => {
    group = freshGroup();
    keys = groupKeys(group);
  });
  afterEach(async () => {
    await (server as Server).probe.del(...written(keys as GroupKeys));
  });
  afterAll(async () => {
    try {
      await redis?.close();
    } finally {
      await server?.stop();
    }
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is used before its hook ran`);
    return value;
  };
  return {
    get redis() {
      return ready(redis, 'the connection');
    },
    get probe() {
      return ready(server, 'the server').probe;
    },
    get group() {
      return ready(group, 'the group');
    },
    get keys() {
      return ready(keys, 'the group');
    },
  };
}
