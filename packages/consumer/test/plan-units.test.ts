import { describe, expect, test } from 'vitest';
import {
  type PlanInput,
  planUnits,
  unitsWanted,
  workerShares,
} from '../src/organiser/plan-units.js';

const base: PlanInput = {
  topic: 'orders',
  partition: 0,
  from: 0,
  to: 0,
  consumeStep: 1_000,
  freeWorkers: 4,
  maxUnits: 100,
  now: 1,
};

/** The plan covers [from, nextOffset) exactly once, in order, with no gap. */
function expectContiguous(plan: ReturnType<typeof planUnits>, from: number): void {
  let expected = from;
  for (const unit of plan.units) {
    expect(unit.offset).toBe(expected);
    // The id names the range; a suffix, when the unit format has one, keeps it unique.
    expect(unit.id).toMatch(new RegExp(`^orders/0/${unit.offset}(~[0-9a-f]+)?$`));
    expected += unit.len;
  }
  expect(plan.nextOffset).toBe(expected);
}

describe('planUnits', () => {
  test('a large backlog is cut into units of consumeStep', () => {
    const plan = planUnits({ ...base, from: 500, to: 10_500 });
    expect(plan.units.map((u) => u.len)).toEqual(Array(10).fill(1_000));
    expectContiguous(plan, 500);
    expect(plan.nextOffset).toBe(10_500);
  });

  test('a small backlog is split so every free worker gets a piece', () => {
    const plan = planUnits({ ...base, from: 100, to: 110, freeWorkers: 4 });
    expect(plan.units.map((u) => u.len)).toEqual([3, 3, 3, 1]);
    expectContiguous(plan, 100);
  });

  test('with no free worker a small backlog stays one unit', () => {
    expect(planUnits({ ...base, to: 10, freeWorkers: 0 }).units.map((u) => u.len)).toEqual([10]);
  });

  test('the work-list bound caps how many units one tick queues; the rest waits in Kafka', () => {
    const plan = planUnits({ ...base, to: 1_000_000, maxUnits: 3 });
    expect(plan.units).toHaveLength(3);
    expect(plan.nextOffset).toBe(3_000);
    expectContiguous(plan, 0);
  });

  test('nothing is planned when caught up or when the work list is full', () => {
    expect(planUnits({ ...base, from: 42, to: 42 })).toEqual({ units: [], nextOffset: 42 });
    expect(planUnits({ ...base, from: 50, to: 42 })).toEqual({ units: [], nextOffset: 50 });
    expect(planUnits({ ...base, to: 100, maxUnits: 0 })).toEqual({ units: [], nextOffset: 0 });
  });

  test('new units start with no attempts and the planning time', () => {
    const [unit] = planUnits({ ...base, to: 5, now: 1234 }).units;
    expect(unit).toMatchObject({ attempts: 0, ts: 1234, topic: 'orders', partition: 0 });
  });
});

describe('unitsWanted', () => {
  test.each([
    { from: 500, to: 10_500, freeWorkers: 4, consumeStep: 1_000 },
    { from: 100, to: 110, freeWorkers: 4, consumeStep: 1_000 },
    { from: 0, to: 7, freeWorkers: 0, consumeStep: 3 },
    { from: 0, to: 1, freeWorkers: 8, consumeStep: 1_000 },
    { from: 0, to: 99_999, freeWorkers: 3, consumeStep: 7 },
  ])('counts the units planUnits cuts $from..$to into, without building them', (cut) => {
    const plan = planUnits({ ...base, ...cut, maxUnits: Number.MAX_SAFE_INTEGER });
    expect(unitsWanted(cut)).toBe(plan.units.length);
  });

  test('nothing to schedule wants nothing', () => {
    expect(unitsWanted({ from: 5, to: 5, freeWorkers: 4, consumeStep: 10 })).toBe(0);
    expect(unitsWanted({ from: 9, to: 5, freeWorkers: 4, consumeStep: 10 })).toBe(0);
  });
});

describe('workerShares', () => {
  test('free workers are shared by the backlogs in proportion, not handed to each', () => {
    // Four partitions with two records each and eight free workers: two pieces each, so
    // eight units of one record, not thirty-two pieces asked for.
    expect(workerShares([2, 2, 2, 2], 8)).toEqual([2, 2, 2, 2]);
    const shares = workerShares([2, 2, 2, 2], 8);
    const units = shares.map((pieces) =>
      unitsWanted({ from: 0, to: 2, consumeStep: 1_000, freeWorkers: pieces }),
    );
    expect(units.reduce((a, b) => a + b, 0)).toBe(8);
    expect(workerShares([90, 10], 10)).toEqual([9, 1]);
    // One backlog keeps every worker, as before.
    expect(workerShares([40], 8)).toEqual([8]);
  });

  test('every backlog gets at least one piece; nothing to do gets one too', () => {
    expect(workerShares([1_000, 1], 4)).toEqual([4, 1]);
    expect(workerShares([0, 0], 4)).toEqual([1, 1]);
    expect(workerShares([5, 0], 0)).toEqual([1, 1]);
  });
});
