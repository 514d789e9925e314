import {
  createTopic,
  type KafkaService,
  kafkaClient,
  type RedisSingle,
  startKafka,
  startRedisSingle,
  startTogether,
  waitUntil,
} from '@kf/devstack';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createNode, KafkaErrorCode, type KfNode, type UnitFailedEvent } from '../src/index.js';
import { gate } from './support/gates.js';
import { compareIds, idRuns, produceIds, until } from './support/produce.js';

// The retry configuration under test: three attempts and a short backoff, so the span
// `maxAttempts` would allow (50 + 100 ms of backoff between three attempts) is far
// shorter than the outage below.
const MAX_ATTEMPTS = 3;
const RETRY_BACKOFF_MS = 50;
const MAX_RETRY_BACKOFF_MS = 200;
// Kafka client timeouts kept short so each attempt against the stopped broker fails
// quickly: a fetch waits fetch.maxWaitMs (100 ms) + 100 ms (kafkajs's own allowance)
// before its request times out, a metadata request `REQUEST_TIMEOUT_MS`.
const REQUEST_TIMEOUT_MS = 300;
const CONNECTION_TIMEOUT_MS = 300;
const FETCH_MAX_WAIT_MS = 100;
// Far above every Kafka timeout above, so a fetch from the stopped broker fails as
// kafkajs's request timeout (NotLeaderError, 'broker-unreachable'), never as the call
// limit; the test's own handler holds its first message only until the broker is stopped.
const HANDLER_TIMEOUT_MS = 10_000;
// How many failed attempts of one range the outage lasts: one past `maxAttempts`, where
// the old decision had already error-listed the range. Each attempt costs a fetch
// timeout and a metadata refresh that times out and reconnects against the stopped
// broker (0.8–1 s measured), so the outage lasts about 4 s: under the controller's 9 s
// broker session timeout, so the resumed broker is not fenced, and the file stays short.
const FAILURES_IN_OUTAGE = MAX_ATTEMPTS + 1;
// Resumption once the broker runs again, a timing claim. A requeued unit waits at most
// MAX_RETRY_BACKOFF_MS; an attempt in flight when the broker resumes has its fetch
// answered or timed out (FETCH_MAX_WAIT_MS + 100 ms) and then refreshes the metadata,
// which at worst times out once and reconnects (2 × REQUEST_TIMEOUT_MS +
// CONNECTION_TIMEOUT_MS); the claim loop looks for work at least every 500 ms; the next
// attempt then reads the range. Margin 3 s: a resumed JVM's first requests and timers
// late on a two-core machine shared with other test runs.
const RESUME_BOUND_MS =
  MAX_RETRY_BACKOFF_MS +
  FETCH_MAX_WAIT_MS +
  100 +
  2 * REQUEST_TIMEOUT_MS +
  CONNECTION_TIMEOUT_MS +
  500 +
  3_000;

/**
 * A Kafka partition unavailable for longer than the retry span — its only broker
 * stopped (SIGSTOP), as a broker killed or restarting is for the seconds Kafka takes to
 * fence it or bring it back — must never put healthy data on the error list: the fetch
 * failures are retried without counting toward `maxAttempts`, reported, and consumption
 * resumes by itself once the broker is back. The file starts a broker of its own: the
 * run's shared one must not be stopped.
 */
describe('a Kafka outage longer than the retry span', () => {
  let kafka: KafkaService | undefined;
  let redis: RedisSingle | undefined;
  const nodes: KfNode[] = [];

  beforeAll(async () => {
    [kafka, redis] = await startTogether(startKafka({ brokers: 1 }), startRedisSingle());
  });

  afterEach(async () => {
    // A stopped broker never answers the nodes' closing requests.
    kafka?.processes[0]?.signal('SIGCONT');
    await Promise.all(nodes.splice(0).map((n) => n.close({ timeoutMs: 2_000 })));
  });

  afterAll(async () => {
    kafka?.processes[0]?.signal('SIGCONT');
    await Promise.allSettled([kafka?.stop(), redis?.stop()]);
  });

  test('healthy units are retried through the outage, never error-listed, and consumption resumes by itself', async () => {
    if (kafka === undefined || redis === undefined) throw new Error('the stack did not start');
    const broker = kafka.processes[0];
    expect(broker?.running).toBe(true);
    const topic = 'outage';
    await createTopic(kafka.info.brokers, { topic, partitions: 1 });
    const producer = kafkaClient(kafka.info.brokers, 'kf-outage-producer').producer();
    await producer.connect();
    // Two units of one message (consumeStep 1): the first is held in user code while the
    // broker is stopped, the second is fetched during the outage.
    const ids = await produceIds(producer, topic, { count: 2, partitions: 1 }).finally(() =>
      producer.disconnect(),
    );

    const n = await createNode(
      {
        bootstrapBrokers: kafka.info.brokers,
        redis: { host: redis.info.host, port: redis.info.port, groupName: 'outage-1' },
        conf: {
          useEarliest: true,
          consumeStep: 1,
          maxAttempts: MAX_ATTEMPTS,
          retryBackoffMs: RETRY_BACKOFF_MS,
          maxRetryBackoffMs: MAX_RETRY_BACKOFF_MS,
          handlerTimeoutMs: HANDLER_TIMEOUT_MS,
          fetch: { maxWaitMs: FETCH_MAX_WAIT_MS },
        },
        kafka: { requestTimeoutMs: REQUEST_TIMEOUT_MS, connectionTimeoutMs: CONNECTION_TIMEOUT_MS },
      },
      [topic],
    );
    nodes.push(n);
    // The organiser's offset reads fail during the outage too; they are reported here.
    n.on('error', () => undefined);
    const failures: UnitFailedEvent[] = [];
    n.on('unitFailed', (e) => failures.push(e));
    const seen: string[] = [];
    const held = gate();
    const stopped = gate();
    await n.run({
      concurrency: 1,
      eachMessage: async ({ message }) => {
        if (seen.length === 0) {
          held.open();
          await stopped.opened;
        }
        seen.push(String(message.value));
      },
    });

    // The first unit is in user code, its records fetched; the second is queued.
    await held.opened;
    broker?.signal('SIGSTOP');
    const outageFrom = performance.now();
    stopped.open();
    const failuresOf = (offset: number) => failures.filter((f) => f.unit?.offset === offset);
    // The outage lasts until one range has failed once more than `maxAttempts` allows —
    // or until something was error-listed, which ends it early (the defect).
    try {
      await until(
        waitUntil,
        () =>
          failures.some((f) => f.outcome === 'error-listed') ||
          failuresOf(1).length >= FAILURES_IN_OUTAGE,
        `the range at offset 1 to fail ${FAILURES_IN_OUTAGE} times during the outage`,
      );
    } finally {
      broker?.signal('SIGCONT');
    }
    const outageMs = performance.now() - outageFrom;
    const resumedAt = performance.now();
    const all = () => compareIds(ids, seen).missing.length === 0;
    const waited = await until(
      waitUntil,
      all,
      'every message after the broker resumed',
      RESUME_BOUND_MS,
    ).catch((e: unknown) => e as Error);
    const resumeMs = performance.now() - resumedAt;
    const describeFailures = failures
      .map(
        (f) =>
          `[${f.unit?.offset},+${f.unit?.len}) attempts ${f.unit?.attempts} ${f.outcome}` +
          `${f.reason ? ` ${f.reason}` : ''}${f.retryInMs === undefined ? '' : ` retry in ${f.retryInMs} ms`}` +
          ` (${(f.error as { code?: string }).code}: ${(f.error as Error).message})`,
      )
      .join('\n  ');
    // The run's one-line summary in the test log, as the fault scenarios write theirs.
    process.stdout.write(
      `[kafka-outage] outage ${Math.round(outageMs)} ms, failed fetches ${failures.length} ` +
        `(retry in ${failures.map((f) => f.retryInMs ?? f.outcome).join(', ')} ms), ` +
        `resumed in ${Math.round(resumeMs)} ms (bound ${RESUME_BOUND_MS} ms)\n`,
    );

    // Every failure was Kafka's unavailability, and none error-listed anything.
    for (const f of failures) {
      expect((f.error as { code?: unknown }).code, describeFailures).toBe(KafkaErrorCode.NotLeader);
    }
    expect(
      failures.filter((f) => f.outcome !== 'requeued'),
      describeFailures,
    ).toEqual([]);
    expect(await n.errors.count()).toBe(0);
    // The outage took effect: the range failed more often than maxAttempts allowed. Each
    // failure was requeued without counting as an attempt, after a backoff within the
    // configured bounds (jitter takes up to 20% off).
    expect(failuresOf(1).length, describeFailures).toBeGreaterThanOrEqual(FAILURES_IN_OUTAGE);
    for (const f of failures) {
      expect(f.unit?.attempts, describeFailures).toBe(0);
      expect(f.retryInMs, describeFailures).toBeGreaterThanOrEqual(
        Math.floor(RETRY_BACKOFF_MS * 0.8),
      );
      expect(f.retryInMs, describeFailures).toBeLessThanOrEqual(MAX_RETRY_BACKOFF_MS);
    }
    // The backoff grows although attempts do not: the first failure of the outage waits
    // about retryBackoffMs; each later one about as long as the outage has lasted, capped.
    // The second failure comes at least the first wait (0.8 × RETRY_BACKOFF_MS) plus a
    // fetch's request timeout (FETCH_MAX_WAIT_MS + 100 ms) later: 240 ms, past the cap.
    expect(failuresOf(1)[0]?.retryInMs, describeFailures).toBeLessThanOrEqual(RETRY_BACKOFF_MS);
    for (const f of failuresOf(1).slice(1)) {
      expect(f.retryInMs, describeFailures).toBeGreaterThanOrEqual(
        Math.floor(MAX_RETRY_BACKOFF_MS * 0.8),
      );
    }
    // Consumption resumed by itself, every message delivered.
    if (waited instanceof Error) {
      throw new Error(`${waited.message}: missing [${idRuns(compareIds(ids, seen).missing)}]`);
    }
    expect(compareIds(ids, seen).extra).toEqual([]);
  });
});
