import { randomUUID } from 'node:crypto';
import { type RedisSentinel, startRedisSentinel } from '@kf/devstack';
import { redisConformance } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSingleRedis } from '../src/index.js';

// Master and replica require a password, so the conformance case checking that no
// error carries it has one to look for.
const PASSWORD = `sentinel-pw-${randomUUID()}`;
let sentinel: RedisSentinel;
beforeAll(async () => {
  sentinel = await startRedisSentinel({ password: PASSWORD });
});
afterAll(async () => {
  await sentinel?.stop();
});

redisConformance(
  { describe, test, expect },
  (settings) =>
    createSingleRedis({
      sentinels: sentinel.info.sentinels,
      name: sentinel.info.masterName,
      password: PASSWORD,
      ...settings,
    }),
  () => ({
    name: 'ioredis Sentinel',
    topology: 'sentinel',
    probe: { ...sentinel.info.master, password: PASSWORD },
    replicas: 1,
  }),
);
