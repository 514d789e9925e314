import { withServerTime } from '@kf/core';
import { defineScript, type RedisScript } from '@kf/protocol';
import claimUnit from './claim-unit-3.lua?raw';
import completeUnit from './complete-unit-3.lua?raw';
import failUnit from './fail-unit-4.lua?raw';
import groupState from './group-state-6.lua?raw';
import markRedelivered from './lib/mark-redelivered.lua?raw';
import memoryInfo from './memory-info-1.lua?raw';
import pauseGroup from './pause-group-1.lua?raw';
import purgeError from './purge-error-n.lua?raw';
import readProgress from './read-progress-n.lua?raw';
import recoverNode from './recover-node-3.lua?raw';
import requeueError from './requeue-error-4.lua?raw';
import requeueOrphans from './requeue-orphans-2.lua?raw';
import resetOffsets from './reset-offsets-n.lua?raw';
import resumeIfOwner from './resume-if-owner-1.lua?raw';
import scheduleUnits from './schedule-units-n.lua?raw';
import serverInfo from './server-info-1.lua?raw';

/** The first value of every consumer script's reply: what it did, or why it refused. */
export const ScriptStatus = {
  Done: 1,
  /** The caller's epoch is not the current one: a newer leader exists. */
  Deposed: 2,
  /** What the caller acted on has changed: a saved offset moved, a unit was recovered. */
  Stale: 3,
  /** The unit went to the error list. */
  ErrorListed: 4,
  /** There was nothing to take. */
  Empty: 5,
  /** Under `ordering: 'partition'`: another unit of the partition is pending. */
  PartitionBusy: 6,
  /** The group is paused: nothing new is scheduled. */
  Paused: 7,
} as const;

export type ScriptStatus = (typeof ScriptStatus)[keyof typeof ScriptStatus];

/**
 * A script that calls `mark_redelivered(raw)` (a unit's redelivery flag set by string
 * surgery, never by re-encoding its JSON): the shared snippet goes first.
 */
function withRedeliveryMark(body: string): string {
  return `${markRedelivered}\n${body}`;
}

export const scripts = {
  scheduleUnits: defineScript('schedule-units', scheduleUnits),
  claimUnit: withServerTime('claim-unit', claimUnit),
  memoryInfo: defineScript('memory-info', memoryInfo),
  serverInfo: defineScript('server-info', serverInfo),
  completeUnit: defineScript('complete-unit', completeUnit),
  readProgress: defineScript('read-progress', readProgress),
  failUnit: defineScript('fail-unit', failUnit),
  recoverNode: withServerTime('recover-node', withRedeliveryMark(recoverNode)),
  requeueError: defineScript('requeue-error', requeueError),
  requeueOrphans: defineScript('requeue-orphans', withRedeliveryMark(requeueOrphans)),
  groupState: withServerTime('group-state', groupState),
  resetOffsets: defineScript('reset-offsets', resetOffsets),
  resumeIfOwner: defineScript('resume-if-owner', resumeIfOwner),
  pauseGroup: defineScript('pause-group', pauseGroup),
  purgeError: defineScript('purge-error', purgeError),
} as const satisfies Record<string, RedisScript>;
