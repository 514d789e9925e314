import type { Isolation, KafkaAccess, KafkaRecord } from '../kafka/kafka-access.js';
import type { Assertion, TestRunner } from '../testkit/runner.js';
import type { FailoverFixture, KafkaFixture } from './fixture.js';

/** The matchers the suite uses; vitest's and jest's `expect` both provide them. */
export interface KafkaAssertion extends Assertion {
  toMatchObject(expected: object): void;
  toBeInstanceOf(expected: abstract new (...args: never[]) => unknown): void;
}

/** The test functions of the caller's runner, so the testkit does not import one. */
export interface KafkaTestRunner extends Omit<TestRunner, 'expect'> {
  expect(actual: unknown): KafkaAssertion;
}

/** The methods of `KafkaAccess` an implementation may leave out. */
export type OptionalKafkaMethod = 'awaitLogEnds' | 'readRecords';

/** A range of one partition, as a kf work unit names it: `[offset, offset + len)`. */
export interface RangeToRead {
  topic: string;
  partition: number;
  offset: number;
  len: number;
  isolation: Isolation;
  /**
   * Where a read that starts from records an earlier long poll brought polls from: at
   * or below `offset`. A reader that does not poll ignores it.
   */
  pollFrom: number;
}

/**
 * Another way the caller reads a range through the port (kf's consumer: the records a
 * long poll brought, carried by a work unit to its worker). It answers the records of the
 * range, in offset order.
 */
export type RangeReader = (access: KafkaAccess, range: RangeToRead) => Promise<KafkaRecord[]>;

/** What both entry points of the suite take. */
export interface KafkaSuiteOptions {
  /** Shown in the suite's name, for example `kafkajs`. */
  name: string;
  /**
   * Makes the implementation under test, connected to the fixture's cluster; every case
   * gets a fresh one and closes it. Called when a case runs, so the cluster may be
   * started in a `beforeAll` hook.
   */
  createAccess(): KafkaAccess | Promise<KafkaAccess>;
}

export interface KafkaConformanceOptions extends KafkaSuiteOptions {
  /**
   * The caller's Kafka tooling on the cluster under test, which must have exactly one
   * broker. Called when a case runs.
   */
  fixture(): KafkaFixture;
  /**
   * The optional methods the implementation provides. Their cases are registered only
   * for those listed, and one case checks that the implementation provides exactly
   * these, so a wrong list fails rather than leaving cases out unnoticed. `readRecords`
   * reads what `awaitLogEnds` brought, so it needs `awaitLogEnds` listed too. Default:
   * none.
   */
  optionalMethods?: readonly OptionalKafkaMethod[];
  /**
   * Other read paths of the caller, by name. Wherever a case checks a range read with
   * `fetch`, it also reads the range with each of these and expects the same records.
   */
  rangeReaders?: Record<string, RangeReader>;
}

export interface KafkaFailoverOptions extends KafkaSuiteOptions {
  /**
   * Three brokers with `min.insync.replicas=2`, and a way to kill one. Called when the
   * case runs. The implementation must give up on a dead broker well within the case's
   * wait for a new leader (45 s): bound its retries (kf's kafkajs run passes `retries: 2`).
   */
  fixture(): FailoverFixture;
}
