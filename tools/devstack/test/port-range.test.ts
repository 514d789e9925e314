import { afterEach, describe, expect, test } from 'vitest';
import { DevstackStartError } from '../src/errors.js';
import { freePorts, PORTS_VARIABLE } from '../src/ports.js';
import { startRedisSingle } from '../src/redis/single.js';

describe(`${PORTS_VARIABLE}: the ports a test lane's servers listen on`, () => {
  const before = process.env[PORTS_VARIABLE];
  afterEach(() => {
    if (before === undefined) delete process.env[PORTS_VARIABLE];
    else process.env[PORTS_VARIABLE] = before;
  });

  test('picks, and a server started, stay inside the range', async () => {
    process.env[PORTS_VARIABLE] = '23000-23099';
    const ports = await freePorts(6);
    expect(new Set(ports).size).toBe(6);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(23_000);
      expect(port).toBeLessThanOrEqual(23_099);
    }
    const redis = await startRedisSingle();
    try {
      expect(redis.info.port).toBeGreaterThanOrEqual(23_000);
      expect(redis.info.port).toBeLessThanOrEqual(23_099);
    } finally {
      await redis.stop();
    }
  });

  test('a malformed range is refused, naming the variable and the value', async () => {
    process.env[PORTS_VARIABLE] = '30000-2000';
    const failure = await freePorts(1).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DevstackStartError);
    expect((failure as Error).message).toContain(`${PORTS_VARIABLE} must be <from>-<to>`);
    expect((failure as Error).message).toContain('"30000-2000"');
  });
});
