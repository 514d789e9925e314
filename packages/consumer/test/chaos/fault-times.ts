import type { FaultRecord, RunRecord } from './run-record.js';

export const within = (t: number, from: number, to: number) => t >= from && t <= to;

/** Since when a Redis master kill may have undone acknowledged writes. */
export const lossFrom = (f: FaultRecord, record: RunRecord) =>
  f.lossFrom ?? f.at - record.redisLossWindowMs;

/** How a fault is named where it explains something. */
export const label = (f: FaultRecord) => `${f.kind}${f.nodeId ? ` ${f.nodeId}` : ''} @${f.at}`;
