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
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createNode, KafkaErrorCode, type KfNode, type UnitFailedEvent } from '../src/index.js';
import { type Gate, gate } from './support/gates.js';
import { compareIds, idRuns, produceIds, until } from './support/produce.js';

// The retry configuration under test: three attempts and a short backoff, so the span
// `maxAttempts` would allow (50 + 100 ms of backoff between three attempts) is far
// shorter than the outage below.
const MAX_ATTEMPTS = 3;
const RETRY_BACKOFF_MS = 50;
const MAX_RETRY_BACKOFF_MS = 200;
// Kafka client timeouts kept short so each attempt against the stopped broker fails
// quickly: kafkajs gives a fetch max(REQUEST_TIMEOUT_MS, fetch.maxWaitMs + 100 ms) =
// 300 ms before its request times out, a metadata request `REQUEST_TIMEOUT_MS`.
const REQUEST_TIMEOUT_MS = 300;
const CONNECTION_TIMEOUT_MS = 300;
const FETCH_MAX_WAIT_MS = 100;
// Far above every Kafka timeout above, so a fetch from the stopped broker fails as
// kafkajs's request timeout (NotLeaderError, 'no-reply'), never as the call
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

// A broker that stops answering under kf's call limit shorter than kafkajs's request
// timeout, as at the defaults (handlerTimeoutMs 30 s fires first: kafkajs's
// requestTimeoutMs is 30 s too, counted from the send and checked every 100 ms). Scaled
// down: kf's limit HUNG_HANDLER_TIMEOUT_MS; kafkajs gives the fetch
// max(HUNG_REQUEST_TIMEOUT_MS, FETCH_MAX_WAIT_MS + 100) = 500 ms, twice kf's limit.
const HUNG_HANDLER_TIMEOUT_MS = 250;
const HUNG_REQUEST_TIMEOUT_MS = 500;
// Each failure costs at most kf's limit (once the metadata refresh has dropped the broker,
// a fetch fails at once), then the refresh against the stopped broker (a request timeout,
// a reconnect, another: 2 × HUNG_REQUEST_TIMEOUT_MS) and a wait of at most
// MAX_RETRY_BACKOFF_MS: at most 1.45 s (about 1 s measured), so FAILURES_IN_OUTAGE take
// at most about 6 s, under the controller's 9 s broker session timeout.
// Resumption, as RESUME_BOUND_MS with kf's limit in place of the fetch's request timeout.
const HUNG_RESUME_BOUND_MS =
  MAX_RETRY_BACKOFF_MS +
  HUNG_HANDLER_TIMEOUT_MS +
  2 * HUNG_REQUEST_TIMEOUT_MS +
  CONNECTION_TIMEOUT_MS +
  500 +
  3_000;

/**
 * A handler that records each message's value in `seen`, and holds the messages the test
 * named in user code: `held` opens when one arrives, and it returns once the test opens
 * `stopped` (after stopping the broker).
 */
function holdsIn(seen: string[]) {
  const holds = new Map<string, { held: Gate; stopped: Gate }>();
  return {
    hold(id: string) {
      const h = { held: gate(), stopped: gate() };
      holds.set(id, h);
      return h;
    },
    eachMessage: async ({ message }: { message: { value: Buffer | null } }) => {
      const h = holds.get(String(message.value));
      if (h !== undefined) {
        h.held.open();
        await h.stopped.opened;
      }
      seen.push(String(message.value));
    },
  };
}

const causeOf = (f: UnitFailedEvent) => (f.error as { cause?: unknown }).cause;

/** The failures one a line, for an assertion's message; `withCause` adds what each wraps. */
function failureLines(failures: UnitFailedEvent[], withCause = false): string {
  return failures
    .map(
      (f) =>
        `[${f.unit?.offset},+${f.unit?.len}) attempts ${f.unit?.attempts} ${f.outcome}` +
        `${f.reason ? ` ${f.reason}` : ''}${f.retryInMs === undefined ? '' : ` retry in ${f.retryInMs} ms`}` +
        ` (${(f.error as { code?: string }).code}: ${(f.error as Error).message}` +
        `${withCause ? `; cause: ${String(causeOf(f))}` : ''})`,
    )
    .join('\n  ');
}

/**
 * What every outage here must come to: each failure Kafka's unavailability, requeued
 * without counting as an attempt, nothing error-listed — and the outage took effect, the
 * range at offset 1 failing more often than `maxAttempts` allows.
 */
async function expectRetriedThrough(
  n: KfNode,
  failures: UnitFailedEvent[],
  describeFailures: string,
): Promise<void> {
  for (const f of failures) {
    expect((f.error as { code?: unknown }).code, describeFailures).toBe(KafkaErrorCode.NotLeader);
    // A request with no answer in time, or a broker then dropped as unreachable.
    expect(['no-reply', 'broker-unreachable'], describeFailures).toContain(
      (f.error as { reason?: unknown }).reason,
    );
  }
  expect(
    failures.filter((f) => f.outcome !== 'requeued'),
    describeFailures,
  ).toEqual([]);
  expect(await n.errors.count()).toBe(0);
  expect(
    failures.filter((f) => f.unit?.offset === 1).length,
    describeFailures,
  ).toBeGreaterThanOrEqual(FAILURES_IN_OUTAGE);
  for (const f of failures) expect(f.unit?.attempts, describeFailures).toBe(0);
}

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
  const producers: Producer[] = [];

  beforeAll(async () => {
    [kafka, redis] = await startTogether(startKafka({ brokers: 1 }), startRedisSingle());
  });

  afterEach(async () => {
    // A stopped broker never answers the nodes' closing requests.
    kafka?.processes[0]?.signal('SIGCONT');
    await Promise.all([
      ...nodes.splice(0).map((n) => n.close({ timeoutMs: 2_000 })),
      ...producers.splice(0).map((p) => p.disconnect()),
    ]);
  });

  afterAll(async () => {
    kafka?.processes[0]?.signal('SIGCONT');
    await Promise.allSettled([kafka?.stop(), redis?.stop()]);
  });

  /**
   * A node of group `groupName` on a new one-partition topic holding two messages: two
   * units of one message (consumeStep 1), the first held in user code while the broker
   * is stopped, the second fetched during the outage. The file's retry configuration,
   * with the limits the test is about. The test starts the run itself (with
   * `holds.eachMessage`), so that it can listen to more of the node first.
   */
  async function outageNode(
    topic: string,
    groupName: string,
    limits: { handlerTimeoutMs: number; requestTimeoutMs: number },
  ) {
    if (kafka === undefined || redis === undefined) throw new Error('the stack did not start');
    const broker = kafka.processes[0];
    expect(broker?.running).toBe(true);
    await createTopic(kafka.info.brokers, { topic, partitions: 1 });
    const producer = kafkaClient(kafka.info.brokers, `kf-${topic}-producer`).producer();
    await producer.connect();
    producers.push(producer);
    const ids = await produceIds(producer, topic, { count: 2, partitions: 1 });

    const n = await createNode(
      {
        bootstrapBrokers: kafka.info.brokers,
        redis: { host: redis.info.host, port: redis.info.port, groupName },
        conf: {
          useEarliest: true,
          consumeStep: 1,
          maxAttempts: MAX_ATTEMPTS,
          retryBackoffMs: RETRY_BACKOFF_MS,
          maxRetryBackoffMs: MAX_RETRY_BACKOFF_MS,
          handlerTimeoutMs: limits.handlerTimeoutMs,
          fetch: { maxWaitMs: FETCH_MAX_WAIT_MS },
          // Units carry no records: the ranges queued during an outage must fetch (a unit
          // carrying its records, as a live stream's do, would not ask Kafka at all).
          inlineRecordsMaxBytes: 0,
        },
        kafka: {
          requestTimeoutMs: limits.requestTimeoutMs,
          connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
        },
      },
      [topic],
    );
    nodes.push(n);
    // The organiser's offset reads fail during the outage too; they are reported here.
    n.on('error', () => undefined);
    const failures: UnitFailedEvent[] = [];
    n.on('unitFailed', (e) => failures.push(e));
    const failuresOf = (offset: number) => failures.filter((f) => f.unit?.offset === offset);
    const seen: string[] = [];
    const holds = holdsIn(seen);
    const first = holds.hold(`${topic}-0`);

    /**
     * Stops the broker once `h`'s message is in user code, then lets that handler return,
     * and resumes the broker once `ended` holds — or once anything was error-listed, which
     * ends the outage early (the defect). Resumed in a finally, so a wait that ran out
     * leaves no broker stopped. Returns when it was stopped and when resumed.
     */
    async function outage(h: { held: Gate; stopped: Gate }, ended: () => boolean, what: string) {
      await h.held.opened;
      broker?.signal('SIGSTOP');
      const stoppedAt = performance.now();
      h.stopped.open();
      try {
        await until(
          waitUntil,
          () => failures.some((f) => f.outcome === 'error-listed') || ended(),
          what,
        );
      } finally {
        broker?.signal('SIGCONT');
      }
      return { stoppedAt, resumedAt: performance.now() };
    }

    return { producer, ids, n, failures, failuresOf, seen, holds, first, outage };
  }

  test('healthy units are retried through the outage, never error-listed, and consumption resumes by itself', async () => {
    const topic = 'outage';
    const { producer, ids, n, failures, failuresOf, seen, holds, first, outage } = await outageNode(
      topic,
      'outage-1',
      { handlerTimeoutMs: HANDLER_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS },
    );
    await n.run({ concurrency: 1, eachMessage: holds.eachMessage });

    // Stopped once the first unit is in user code, its records fetched; the second is
    // queued. The outage lasts until one range has failed once more than `maxAttempts`
    // allows.
    const { stoppedAt, resumedAt } = await outage(
      first,
      () => failuresOf(1).length >= FAILURES_IN_OUTAGE,
      `the range at offset 1 to fail ${FAILURES_IN_OUTAGE} times during the outage`,
    );
    const outageMs = resumedAt - stoppedAt;
    const all = () => compareIds(ids, seen).missing.length === 0;
    const waited = await until(
      waitUntil,
      all,
      'every message after the broker resumed',
      RESUME_BOUND_MS,
    ).catch((e: unknown) => e as Error);
    const resumeMs = performance.now() - resumedAt;
    const describeFailures = failureLines(failures);
    // The run's one-line summary in the test log, as the fault scenarios write theirs.
    process.stdout.write(
      `[kafka-outage] outage ${Math.round(outageMs)} ms, failed fetches ${failures.length} ` +
        `(retry in ${failures.map((f) => f.retryInMs ?? f.outcome).join(', ')} ms), ` +
        `resumed in ${Math.round(resumeMs)} ms (bound ${RESUME_BOUND_MS} ms)\n`,
    );

    await expectRetriedThrough(n, failures, describeFailures);
    // Each failure was requeued after a backoff within the configured bounds (jitter takes
    // up to 20% off).
    for (const f of failures) {
      expect(f.retryInMs, describeFailures).toBeGreaterThanOrEqual(
        Math.floor(RETRY_BACKOFF_MS * 0.8),
      );
      expect(f.retryInMs, describeFailures).toBeLessThanOrEqual(MAX_RETRY_BACKOFF_MS);
    }
    // The backoff grows although attempts do not: the first failure of the outage waits
    // about retryBackoffMs; each later one about as long as the outage has lasted, capped.
    // The second failure comes at least the first wait (0.8 × RETRY_BACKOFF_MS) plus a
    // fetch's request timeout (REQUEST_TIMEOUT_MS) later: 340 ms, past the cap.
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

    // A second outage once Kafka served the partition again (a leader that moves later,
    // a broker of a rolling restart): its first failure waits retryBackoffMs again. The
    // first outage's stretch ended when Kafka answered a fetch of the partition; without
    // that it would go on until MAX_RETRY_BACKOFF_MS + HANDLER_TIMEOUT_MS (10.2 s) passed
    // without a failure, and this wait would be about the cap.
    const next = holds.hold(`${topic}-2`);
    const more = await produceIds(producer, topic, { count: 2, partitions: 1, start: 2 });
    // Stopped once the unit at offset 2 is in user code (Kafka answered its fetch); 3 is
    // queued.
    const second = await outage(
      next,
      () => failuresOf(3).length >= 1,
      'the range at offset 3 to fail in the second outage',
    );
    const sinceFirstOutage = second.stoppedAt - resumedAt;
    process.stdout.write(
      `[kafka-outage] second outage ${Math.round(sinceFirstOutage)} ms after the first ended: ` +
        `its first failure retry in ${failuresOf(3)[0]?.retryInMs} ms\n`,
    );
    expect(failuresOf(3)[0]?.outcome, describeFailures).toBe('requeued');
    expect(failuresOf(3)[0]?.retryInMs, describeFailures).toBeLessThanOrEqual(RETRY_BACKOFF_MS);
    await until(
      waitUntil,
      () => compareIds([...ids, ...more], seen).missing.length === 0,
      'every message after the broker resumed again',
      RESUME_BOUND_MS,
    );
    expect(await n.errors.count()).toBe(0);
  });

  test("a broker that stops answering, kf's call limit firing before kafkajs's request timeout (as at the defaults): retried as unavailable, never error-listed", async () => {
    const { ids, n, failures, failuresOf, seen, holds, first, outage } = await outageNode(
      'hung',
      'outage-hung',
      { handlerTimeoutMs: HUNG_HANDLER_TIMEOUT_MS, requestTimeoutMs: HUNG_REQUEST_TIMEOUT_MS },
    );
    const overruns: number[] = [];
    n.on('handlerOverrun', (e) => overruns.push(Math.round(e.overrunMs)));
    await n.run({ concurrency: 1, eachMessage: holds.eachMessage });

    const { stoppedAt, resumedAt } = await outage(
      first,
      () => failuresOf(1).length >= FAILURES_IN_OUTAGE,
      `the range at offset 1 to fail ${FAILURES_IN_OUTAGE} times while the broker does not answer`,
    );
    const outageMs = resumedAt - stoppedAt;
    const waited = await until(
      waitUntil,
      () => compareIds(ids, seen).missing.length === 0,
      'every message after the broker resumed',
      HUNG_RESUME_BOUND_MS,
    ).catch((e: unknown) => e as Error);
    const resumeMs = performance.now() - resumedAt;
    const byCallLimit = (f: UnitFailedEvent) =>
      /no reply within handlerTimeoutMs/.test(String(causeOf(f)));
    const describeFailures = failureLines(failures, true);
    const causeName = (f: UnitFailedEvent) => {
      const cause = causeOf(f) as { name?: string; message?: string } | undefined;
      return byCallLimit(f) ? "kf's call limit" : `${cause?.name}: ${cause?.message}`;
    };
    process.stdout.write(
      `[kafka-outage] hung broker: outage ${Math.round(outageMs)} ms, failed fetches ` +
        `${failures.length} (${failures.filter(byCallLimit).length} by kf's call limit; retry in ` +
        `${failures.map((f) => f.retryInMs ?? f.outcome).join(', ')} ms; causes: ` +
        `${failures.map(causeName).join(' | ')}), handlerOverrun ` +
        `[${overruns.join(', ')}] ms, resumed in ${Math.round(resumeMs)} ms ` +
        `(bound ${HUNG_RESUME_BOUND_MS} ms)\n`,
    );

    await expectRetriedThrough(n, failures, describeFailures);
    // At least once kf's call limit gave up on the fetch (the case under test; before, a
    // KafkaRequestError that counted as an attempt): 'no-reply', as kafkajs's own timeout.
    expect(failures.filter(byCallLimit).length, describeFailures).toBeGreaterThanOrEqual(1);
    for (const f of failures.filter(byCallLimit)) {
      expect((f.error as { reason?: unknown }).reason, describeFailures).toBe('no-reply');
    }
    // A fetch given up on is no user code overrunning its time: reported by unitFailed,
    // never by handlerOverrun (before, each abandoned fetch was, once kafkajs settled it).
    expect(overruns, describeFailures).toEqual([]);
    if (waited instanceof Error) {
      throw new Error(`${waited.message}: missing [${idRuns(compareIds(ids, seen).missing)}]`);
    }
    expect(compareIds(ids, seen).extra).toEqual([]);
  });
});
