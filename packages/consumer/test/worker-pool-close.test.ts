import { DEFAULT_CONSUMER_CONF } from '@kf/core';
import { describe, expect, test } from 'vitest';
import type { KafkaAccess } from '../src/kafka/kafka-access.js';
import { encodeUnit } from '../src/work-unit/work-unit.js';
import { WorkerPool } from '../src/worker/worker-pool.js';
import { sampleUnit as unit } from './support/sample-unit.js';

function pool(opts: {
  fetch: KafkaAccess['fetch'];
  refreshMetadata: KafkaAccess['refreshMetadata'];
  ordering?: 'unordered' | 'partition';
}) {
  const events: Array<[string, unknown]> = [];
  const warnings: string[] = [];
  const logger = {
    warn: (_o: unknown, m: string) => warnings.push(m),
    error: (_o: unknown, m: string) => warnings.push(m),
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
    fatal: () => undefined,
    child: () => logger,
  };
  const p = new WorkerPool({
    redis: {} as never,
    keys: {} as never,
    kafka: { fetch: opts.fetch, refreshMetadata: opts.refreshMetadata } as unknown as KafkaAccess,
    conf: {
      ...DEFAULT_CONSUMER_CONF,
      handlerTimeoutMs: 50,
      retryBackoffMs: 10,
      maxRetryBackoffMs: 100,
      ordering: opts.ordering ?? 'unordered',
    },
    isolation: 'read_uncommitted',
    nodeId: 'n1',
    logger: logger as never,
    events: {
      emit: (name: string, payload: unknown) => events.push([name, payload]),
      report: (e: unknown, m: string) => warnings.push(`${m}: ${String(e)}`),
    } as never,
    concurrency: 1,
    delivery: { deliver: async (records) => (records.at(-1)?.offset ?? 0) + 1 },
    lease: { live: () => true, lapses: 0, renew: async () => undefined },
  });
  // Settlement stubbed: no Redis.
  (p as unknown as { settle: () => Promise<unknown> }).settle = async () => 'requeued';
  const run = () => {
    const raw = encodeUnit(unit);
    const slots = (p as unknown as { slots: { trackUnit: (w: Promise<void>) => Promise<void> } })
      .slots;
    return slots.trackUnit(
      (p as unknown as { process: (r: string, l: number) => Promise<void> }).process(raw, 0),
    );
  };
  return { p, events, warnings, run };
}

const never = () => new Promise<never>(() => undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A worker pool on stubs (pure logic: no Redis, no Kafka): a fetch Kafka never answers
// under a limit of 50 ms, and a metadata refresh that takes REFRESH_MS, as one asking a
// hung broker takes kafkajs's request timeout (30 s at the defaults, twice with the
// reconnect).
describe('a fetch that ran out of its limit while the broker hangs', () => {
  test('close() hands the unit back without waiting for the metadata refresh', async () => {
    const REFRESH_MS = 1_500;
    const { p, events, run } = pool({
      fetch: never,
      refreshMetadata: () => sleep(REFRESH_MS) as never,
    });
    void run();
    // The limit (handlerTimeoutMs 50 ms) has fired, 70 ms of margin for the timer on a
    // loaded machine: the failure waits on the refresh.
    await sleep(120);
    const stopAt = performance.now();
    await p.stop(100);
    const stopMs = performance.now() - stopAt;
    expect(events.map(([n]) => n)).toContain('unitFailed');
    // stop(100) waits for user code up to 100 ms; nothing else may hold it: bound half the
    // refresh, far above 100 ms plus a loaded machine's timer delays.
    expect(stopMs).toBeLessThan(REFRESH_MS / 2);
  });
});
