import { describe, expect, test } from 'vitest';
import { FAULT_KINDS } from './run-record.js';
import { episodeSeed, planEpisode, type Step } from './schedule.js';

const OPTIONS = { faultMs: 120_000, leaseTtlMs: 3_000 };

/** Replays a plan's steps, failing on one the stack could not recover from. */
function replay(steps: readonly Step[]): {
  removedAtEnd: boolean;
  redisDown: boolean;
  brokerDown: boolean;
} {
  let redisDown = false;
  let brokerDown = false;
  let removed: number | undefined;
  for (const s of steps) {
    if (s.kind === 'redis-master-kill') {
      expect(redisDown, 'a second Redis master killed before the first came back').toBe(false);
      redisDown = true;
    } else if (s.kind === 'redis-restart') redisDown = false;
    else if (s.kind === 'kafka-broker-kill') {
      expect(brokerDown, 'a second broker killed before the first came back').toBe(false);
      brokerDown = true;
    } else if (s.kind === 'kafka-broker-restart') brokerDown = false;
    else if (s.kind === 'topic-remove') removed = s.topic;
    else if (s.kind === 'topic-add' && s.topic === removed) removed = undefined;
  }
  return { removedAtEnd: removed !== undefined, redisDown, brokerDown };
}

describe('chaos schedule', () => {
  test('the same seed draws the same plan; another seed another', () => {
    expect(planEpisode(42, OPTIONS)).toEqual(planEpisode(42, OPTIONS));
    expect(planEpisode(43, OPTIONS).steps).not.toEqual(planEpisode(42, OPTIONS).steps);
  });

  test('episodes of a run have distinct seeds, derived from the run seed alone', () => {
    const seeds = Array.from({ length: 50 }, (_, i) => episodeSeed(7, i));
    expect(new Set(seeds).size).toBe(50);
    expect(episodeSeed(7, 3)).toBe(seeds[3]);
  });

  test.each(Array.from({ length: 40 }, (_, i) => i + 1))(
    'seed %i: steps in time order, recoverable, everything restored at the end',
    (seed) => {
      const plan = planEpisode(seed, OPTIONS);
      const times = plan.steps.map((s) => s.atMs);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(replay(plan.steps)).toEqual({
        removedAtEnd: false,
        redisDown: false,
        brokerDown: false,
      });
      expect(plan.steps.some((s) => s.kind === 'topic-add' && s.topic === 2)).toBe(true);
      for (const s of plan.steps.filter((x) => x.kind === 'node-stall')) {
        expect(s.ms).toBeGreaterThanOrEqual(500);
        expect(s.ms).toBeLessThanOrEqual(2 * OPTIONS.leaseTtlMs);
      }
    },
  );

  test('over a handful of seeds every kind of fault is drawn, and every marker', () => {
    const plans = Array.from({ length: 10 }, (_, i) => planEpisode(episodeSeed(1, i), OPTIONS));
    const kinds = new Set(plans.flatMap((p) => p.steps.map((s) => s.kind)));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
    expect(new Set(plans.flatMap((p) => p.markers.map((m) => m.marker)))).toEqual(
      new Set(['poison', 'throw', 'hang']),
    );
    expect(new Set(plans.map((p) => p.ordering))).toEqual(new Set(['unordered', 'partition']));
  });
});
