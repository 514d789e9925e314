import { describe, expect, test } from 'vitest';
import { failoverSettings } from '../src/failover-settings.js';

describe('failoverSettings', () => {
  test.each([1_000, 5_000, 15_000, 30_000])(
    'retries outlast a fail-over of cluster-node-timeout %i ms',
    (nodeTimeoutMs) => {
      const s = failoverSettings(nodeTimeoutMs);
      // Each retry costs at most two redirections (see failoverSettings), so the time
      // retries span is delay × maxRedirections / 2.
      expect((s.retryDelayOnFailover * s.maxRedirections) / 2).toBeGreaterThan(nodeTimeoutMs);
      expect((s.retryDelayOnClusterDown * s.maxRedirections) / 2).toBeGreaterThan(nodeTimeoutMs);
      expect((s.retryDelayOnFailover * s.maxRedirections) / 2).toBeGreaterThanOrEqual(s.budgetMs);
      expect(s.commandTimeoutMs).toBeGreaterThanOrEqual(s.budgetMs);
      expect(s.budgetMs).toBeGreaterThan(nodeTimeoutMs);
    },
  );

  test('a command timeout given is kept, even when shorter than a fail-over', () => {
    expect(failoverSettings(15_000, 500).commandTimeoutMs).toBe(500);
    expect(failoverSettings(1_000).commandTimeoutMs).toBe(10_000);
  });
});
