import { randomUUID } from 'node:crypto';
import { compactionCases } from './cases/compaction.js';
import { errorCases } from './cases/errors.js';
import { failoverCases } from './cases/failover.js';
import { optionalMethodCases } from './cases/optional-methods.js';
import { rangeCases } from './cases/ranges.js';
import { recordCases } from './cases/records.js';
import { transactionCases } from './cases/transactions.js';
import {
  CASE_TIMEOUT_MS,
  type KafkaCase,
  type KafkaCaseContext,
  producePlainBatches,
} from './context.js';
import type { KafkaFixture } from './fixture.js';
import type {
  KafkaConformanceOptions,
  KafkaFailoverOptions,
  KafkaSuiteOptions,
  KafkaTestRunner,
  OptionalKafkaMethod,
} from './runner.js';

const groups: Record<string, KafkaCase[]> = {
  'ranges over plain batches': rangeCases,
  records: recordCases,
  transactions: transactionCases,
  compaction: compactionCases,
  errors: errorCases,
  'optional methods': optionalMethodCases,
};

/**
 * How many cases `kafkaAccessConformance` registers for an implementation that provides
 * `optionalMethods`, for callers that want to assert it ran whole.
 */
export function kafkaConformanceCaseCount(
  optionalMethods: readonly OptionalKafkaMethod[] = [],
): number {
  return Object.values(groups)
    .flat()
    .filter((c) => (c.needs ?? []).every((m) => optionalMethods.includes(m))).length;
}

/**
 * Registers the `KafkaAccess` conformance suite with the caller's test runner, against a
 * cluster of one broker. Every case gets a fresh implementation from
 * `options.createAccess()` and closes it; what it reads is written through
 * `options.fixture()` under topic and group names of its own. Cases that need an
 * optional method run only when `optionalMethods` lists it.
 *
 * ```ts
 * kafkaAccessConformance(
 *   { describe, test, expect },
 *   {
 *     name: 'my client',
 *     createAccess: () => createMyKafkaAccess({ brokers }),
 *     fixture: () => myFixture,
 *   },
 * );
 * ```
 */
export function kafkaAccessConformance(
  runner: KafkaTestRunner,
  options: KafkaConformanceOptions,
  suiteName = 'KafkaAccess conformance',
): void {
  const declared = options.optionalMethods ?? [];
  if (declared.includes('readRecords') && !declared.includes('awaitLogEnds')) {
    throw new Error('optionalMethods: readRecords reads what awaitLogEnds brought; list both');
  }
  const run = suiteRun(runner, options, declared);
  runner.describe(`${suiteName}: ${options.name}`, () => {
    for (const [group, cases] of Object.entries(groups)) {
      runner.describe(group, () => {
        for (const testCase of cases) {
          if (!(testCase.needs ?? []).every((m) => declared.includes(m))) continue;
          register(runner, testCase, run);
        }
      });
    }
  });
}

/**
 * Registers the failover case: on three brokers, the partition's leader is killed, the
 * port must report `NotLeaderError` naming it, and after a metadata refresh read every
 * acknowledged record from the new leader. It needs a broker to kill, so it is an entry
 * point of its own, for a test file that starts such a cluster.
 *
 * ```ts
 * kafkaAccessFailoverConformance(
 *   { describe, test, expect },
 *   {
 *     name: 'my client',
 *     createAccess: () => createMyKafkaAccess({ brokers, retries: 2 }),
 *     fixture: () => myThreeBrokerFixture,
 *   },
 * );
 * ```
 */
export function kafkaAccessFailoverConformance(
  runner: KafkaTestRunner,
  options: KafkaFailoverOptions,
  suiteName = 'KafkaAccess conformance, three brokers',
): void {
  const run = suiteRun(runner, options, []);
  runner.describe(`${suiteName}: ${options.name}`, () => {
    for (const testCase of failoverCases) register(runner, testCase, run);
  });
}

type CaseRun<F extends KafkaFixture> = (testCase: KafkaCase<F>) => Promise<void>;

function register<F extends KafkaFixture>(
  runner: KafkaTestRunner,
  testCase: KafkaCase<F>,
  run: CaseRun<F>,
): void {
  runner.test(testCase.name, () => run(testCase), testCase.timeoutMs ?? CASE_TIMEOUT_MS);
}

/** Runs the cases of one registration: their names, and the topics they share. */
function suiteRun<F extends KafkaFixture>(
  runner: KafkaTestRunner,
  options: KafkaSuiteOptions & {
    fixture(): F;
    rangeReaders?: KafkaConformanceOptions['rangeReaders'];
  },
  optionalMethods: readonly OptionalKafkaMethod[],
): CaseRun<F> {
  // Unique per registration, so two runs on one cluster (two implementations, or a
  // cluster shared with other tests) never read each other's records.
  const prefix = `kfc-${randomUUID().slice(0, 8)}`;
  const name = (base: string) => `${prefix}-${base}`;
  let plain: Promise<string> | undefined;
  return async (testCase) => {
    const fixture = options.fixture();
    const plainTopic = () => {
      plain ??= (async () => {
        const topic = name('plain');
        await fixture.createTopic({ topic, replicationFactor: 1 });
        await producePlainBatches(fixture, topic, 3, 10);
        return topic;
      })();
      return plain;
    };
    const access = await options.createAccess();
    try {
      const context: KafkaCaseContext<F> = {
        access,
        fixture,
        expect: runner.expect,
        name,
        plainTopic,
        optionalMethods,
        rangeReaders: options.rangeReaders ?? {},
      };
      await testCase.run(context);
    } finally {
      await access.close();
    }
  };
}
