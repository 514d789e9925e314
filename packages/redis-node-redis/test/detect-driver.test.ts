import { ErrorCode, isKfError } from '@kf/protocol';
import { createClient, createClientPool, createCluster, createSentinel } from 'redis';
import {
  createClient as createClient5,
  createCluster as createCluster5,
  createSentinel as createSentinel5,
} from 'redis5';
import { describe, expect, test } from 'vitest';
import { detectDriver } from '../src/detect-driver.js';
import { createNodeRedis, type NodeRedisDriver, type NodeRedisOptions } from '../src/index.js';

// Nothing here connects: node-redis objects open their sockets only on `connect()`.
const socket = { host: '127.0.0.1', port: 6379 };

describe('node-redis objects are told from options, and apart', () => {
  test('clients, cluster clients and Sentinel clients of node-redis 5 and 6', () => {
    // Typed as the parameter of createNodeRedis: the compiler checks both majors fit it.
    const objects: Array<[NodeRedisDriver, string]> = [
      [createClient({ socket }), 'single'],
      [createCluster({ rootNodes: [{ socket }] }), 'cluster'],
      [createSentinel({ name: 'm', sentinelRootNodes: [socket] }), 'sentinel'],
      [createClient5({ socket }), 'single'],
      [createCluster5({ rootNodes: [{ socket }] }), 'cluster'],
      [createSentinel5({ name: 'm', sentinelRootNodes: [socket] }), 'sentinel'],
    ];
    expect(objects.map(([driver]) => detectDriver(driver)?.topology)).toEqual(
      objects.map(([, topology]) => topology),
    );
  });

  test('an options object is not taken for a client', () => {
    expect(detectDriver({ host: '127.0.0.1', port: 6379 })).toBeUndefined();
    expect(detectDriver({ topology: 'cluster', nodes: [socket] })).toBeUndefined();
  });

  test('a client pool is refused with ConfigError rather than read as options', () => {
    const pool = createClientPool({ socket });
    let error: unknown;
    try {
      createNodeRedis(pool as unknown as NodeRedisOptions);
    } catch (thrown) {
      error = thrown;
    }
    expect(isKfError(error, ErrorCode.ConfigInvalid)).toBe(true);
    expect((error as Error).message).toMatch(/client pool/);
  });
});
