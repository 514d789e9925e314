import { blockingCases } from './cases/blocking.js';
import { clusterRedirectCases } from './cases/cluster-redirects.js';
import { collectionCases } from './cases/collections.js';
import { errorAndLifecycleCases } from './cases/errors-and-lifecycle.js';
import { listCases } from './cases/lists.js';
import { replicationCases } from './cases/replication.js';
import { scriptCases } from './cases/scripts.js';
import { stringCases } from './cases/strings.js';
import { timeoutAndReconnectionCases } from './cases/timeouts-and-reconnection.js';
import { runCase } from './context.js';
import type { AdapterFactory, ConformanceOptions, TestRunner } from './runner.js';

const groups = {
  strings: stringCases,
  lists: listCases,
  'blocking moves': blockingCases,
  'hashes, sorted sets, sets': collectionCases,
  scripts: scriptCases,
  'errors and lifecycle': errorAndLifecycleCases,
  'timeouts and reconnection': timeoutAndReconnectionCases,
  'cluster redirections': clusterRedirectCases,
  replication: replicationCases,
};

/** How many cases the suite registers, for adapters that want to assert it ran whole. */
export const CONFORMANCE_CASE_COUNT = Object.values(groups).reduce((n, g) => n + g.length, 0);

/**
 * Registers the `IRedis` conformance suite with the caller's test runner. Every case
 * gets a fresh adapter from `factory`, configured with the case's settings (a command
 * timeout for the cases on timeouts and reconnection), checks Redis state through a
 * plain connection to `options().probe`, and deletes its keys afterwards. `options` is
 * a function so the server may be started in a `beforeAll` hook. The server must
 * require a password, given to the adapter and as `probe.password`.
 *
 * ```ts
 * redisConformance(
 *   { describe, test, expect },
 *   (settings) => createMyRedis({ host, port, password, ...settings }),
 *   () => ({ name: 'my adapter', topology: 'single', probe: { host, port, password } }),
 * );
 * ```
 */
export function redisConformance(
  runner: TestRunner,
  factory: AdapterFactory,
  options: () => ConformanceOptions,
  suiteName = 'IRedis conformance',
): void {
  runner.describe(suiteName, () => {
    for (const [group, cases] of Object.entries(groups)) {
      runner.describe(group, () => {
        for (const testCase of cases) {
          runner.test(
            testCase.name,
            () => runCase(testCase, factory, options(), runner.expect),
            testCase.timeoutMs,
          );
        }
      });
    }
  });
}
