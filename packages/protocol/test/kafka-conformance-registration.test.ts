import type { KafkaAccess } from '@kf/protocol';
import {
  type KafkaConformanceOptions,
  type KafkaFixture,
  type KafkaTestRunner,
  kafkaAccessConformance,
  kafkaAccessFailoverConformance,
  kafkaConformanceCaseCount,
} from '@kf/protocol/kafka-testkit';
import { describe, expect, test } from 'vitest';

// What the suite registers, seen through a runner that records instead of running: the
// cases themselves run against real brokers in @kf/consumer's kafka-port tests.

interface Registered {
  path: string[];
  timeoutMs: number | undefined;
}

function recorded(register: (runner: KafkaTestRunner) => void): Registered[] {
  const tests: Registered[] = [];
  const path: string[] = [];
  register({
    describe(name, body) {
      path.push(name);
      body();
      path.pop();
    },
    test(name, _body, timeoutMs) {
      tests.push({ path: [...path, name], timeoutMs });
    },
    expect: () => {
      throw new Error('no case runs here');
    },
  });
  return tests;
}

const unused = (): never => {
  throw new Error('no case runs here');
};
const options = (
  optionalMethods?: KafkaConformanceOptions['optionalMethods'],
): KafkaConformanceOptions => ({
  name: 'recorded',
  createAccess: unused as () => KafkaAccess,
  fixture: unused as () => KafkaFixture,
  ...(optionalMethods === undefined ? {} : { optionalMethods }),
});

describe('kafkaAccessConformance registration', () => {
  test('every case is registered under the suite and its group, each with a bounded time', () => {
    const tests = recorded((runner) => kafkaAccessConformance(runner, options()));
    expect(tests).toHaveLength(kafkaConformanceCaseCount());
    expect(new Set(tests.map((t) => t.path[0]))).toEqual(
      new Set(['KafkaAccess conformance: recorded']),
    );
    expect(new Set(tests.map((t) => t.path[1]))).toEqual(
      new Set([
        'ranges over plain batches',
        'records',
        'transactions',
        'compaction',
        'errors',
        'optional methods',
      ]),
    );
    expect(tests.every((t) => (t.timeoutMs ?? 0) > 0)).toBe(true);
    expect(new Set(tests.map((t) => t.path.join(' > '))).size).toBe(tests.length);
  });

  test('cases of an optional method are registered only when it is declared', () => {
    const bare = recorded((runner) => kafkaAccessConformance(runner, options()));
    const full = recorded((runner) =>
      kafkaAccessConformance(runner, options(['awaitLogEnds', 'readRecords'])),
    );
    expect(full).toHaveLength(kafkaConformanceCaseCount(['awaitLogEnds', 'readRecords']));
    expect(full.length).toBe(bare.length + 1);
    expect(full.map((t) => t.path.at(-1))).toContain(
      'awaitLogEnds answers log ends, and with recordsMaxBytes the whole batches from `from`',
    );
    // The check that the declaration matches the implementation is always there.
    expect(bare.map((t) => t.path.at(-1))).toContain(
      'the implementation provides exactly the optional methods declared',
    );
  });

  test('readRecords without awaitLogEnds is refused: it reads what a long poll brought', () => {
    expect(() =>
      recorded((runner) => kafkaAccessConformance(runner, options(['readRecords']))),
    ).toThrow(/list both/);
  });

  test('the failover entry point registers the leader kill alone', () => {
    const tests = recorded((runner) =>
      kafkaAccessFailoverConformance(runner, {
        name: 'recorded',
        createAccess: unused as () => KafkaAccess,
        fixture: unused as never,
      }),
    );
    expect(tests.map((t) => t.path)).toEqual([
      [
        'KafkaAccess conformance, three brokers: recorded',
        'kill -9 of the leader: the port reports not-leader, and after a metadata refresh reads everything from the new leader',
      ],
    ]);
  });
});
