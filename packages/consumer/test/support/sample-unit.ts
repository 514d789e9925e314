import type { WorkUnit } from '../../src/work-unit/work-unit.js';

/** A unit as first scheduled — offsets 100 to 149 of `t`/0, never attempted or delivered. */
export const sampleUnit: WorkUnit = {
  id: 't/0/100~a',
  topic: 't',
  partition: 0,
  offset: 100,
  len: 50,
  attempts: 0,
  ts: 1,
  redelivered: false,
};
