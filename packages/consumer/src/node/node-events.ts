import type { ErrorReason } from '../worker/fail-unit.js';
import type { UnitInfo } from '../worker/message.js';

export interface UnitClaimedEvent {
  nodeId: string;
  unit: UnitInfo;
}

export interface UnitCompletedEvent {
  nodeId: string;
  unit: UnitInfo;
  /** Messages user code finished. */
  messages: number;
  durationMs: number;
  /**
   * The node stopped part-way (it is closing): the offsets from here were queued again
   * as a unit of their own.
   */
  remainderFrom?: number;
  /**
   * True when the unit had already been recovered (this node's lease lapsed): another
   * node will deliver it again, so these messages may be seen twice.
   */
  possibleDuplicate: boolean;
}

export interface UnitFailedEvent {
  nodeId: string;
  /** Undefined for a malformed unit; `raw` holds it as it was claimed. */
  unit: UnitInfo | undefined;
  raw: string;
  error: unknown;
  /** What happened to it: queued again after `retryInMs`, or put on the error list. */
  outcome: 'requeued' | 'error-listed' | 'recovered';
  reason?: ErrorReason;
  retryInMs?: number;
}

export interface SettleFailedEvent {
  nodeId: string;
  /** Undefined for a malformed unit; `raw` holds it as it was claimed. */
  unit: UnitInfo | undefined;
  raw: string;
  error: unknown;
}

export interface UnitsScheduledEvent {
  topic: string;
  partition: number;
  /** `[from, to)`: the offsets just cut into units. */
  from: number;
  to: number;
  units: number;
  epoch: number;
}

export interface OffsetsMovedEvent {
  topic: string;
  partition: number;
  /** `[from, to)`, always `from < to`; what the range means depends on `reason`. */
  from: number;
  to: number;
  /**
   * - `retention`: offsets `[from, to)` were deleted before they were scheduled and are
   *   lost to this group; scheduling moved forward from `from` to `to` (the earliest).
   * - `reset-ahead`: the saved offset `to` was still above the log end on a second,
   *   refreshed look; scheduling moved back to `from` (the earliest offset with
   *   `useEarliest`, else the log end). Offsets `[from, to)` are scheduled as they are
   *   written: after a topic was recreated or truncated they are new messages; if the
   *   log was not in fact shorter, they run a second time.
   * - `reset-skipped`: beside a `reset-ahead` to the log end, offsets `[from, to)` of the
   *   log below it, which are not scheduled for this group.
   * - `ahead-passed`: the saved offset `to` was seen above the log end `from`, and the
   *   log grew past it before a reset was confirmed; scheduling went on from `to`. If
   *   the topic had been recreated, its offsets `[from, to)` were not delivered to this
   *   group; if a new leader's high watermark was only trailing, they had been before.
   */
  reason: 'retention' | 'reset-ahead' | 'reset-skipped' | 'ahead-passed';
}

export interface PartitionsAddedEvent {
  topic: string;
  /**
   * Partitions the group had no saved offset for while it had some for others of the
   * topic: added after the group started. Each is scheduled from `from`, its earliest
   * offset, whatever `useEarliest` says (every message in it came after the group).
   */
  partitions: Array<{ partition: number; from: number }>;
}

/** The events a node emits, with their payloads. */
export interface NodeEvents {
  unitClaimed: [UnitClaimedEvent];
  unitCompleted: [UnitCompletedEvent];
  unitFailed: [UnitFailedEvent];
  unitsScheduled: [UnitsScheduledEvent];
  offsetsMoved: [OffsetsMovedEvent];
  /** The leader found partitions added to a topic and scheduled them from their start. */
  partitionsAdded: [PartitionsAddedEvent];
  leaderGained: [{ nodeId: string; epoch: number }];
  leaderLost: [{ nodeId: string; epoch: number; reason: 'deposed' | 'closing' }];
  /** The leader moved a dead node's claimed units back to the work list. */
  nodeRecovered: [{ nodeId: string; recoveredBy: string; units: number }];
  /**
   * Units were found in this node's working list that it never held (a claim whose reply
   * was lost, or a completion a Redis fail-over undid) and were queued again. They may
   * be delivered twice.
   */
  orphansRequeued: [{ nodeId: string; units: number }];
  /** This node's lease had lapsed when it renewed it: its units may be running elsewhere. */
  leaseLost: [{ nodeId: string }];
  /** Something failed that the node could not handle itself; it keeps running. */
  error: [Error];
  /**
   * Redis refused to record a unit's outcome for a reason retrying does not cure
   * (`NOPERM`, `OOM` under `maxmemory`, `NOSCRIPT`). The unit stays in this node's
   * working list; the orphan sweep queues it again once Redis accepts the write (reported
   * by `orphansRequeued`), so its messages may be delivered again.
   */
  settleFailed: [SettleFailedEvent];
  /**
   * User code ran past `handlerTimeoutMs`, ignored its signal, and has now settled,
   * `overrunMs` after its time ran out. Under `ordering: 'partition'` its unit was held
   * back until then, so no other call of that partition ran beside it.
   */
  handlerOverrun: [{ nodeId: string; unit: UnitInfo; overrunMs: number }];
}

/** How the organiser and workers report: an event, and the same through the logger. */
export interface EventSink {
  emit<K extends keyof NodeEvents>(name: K, ...payload: NodeEvents[K]): void;
  /** An error the node keeps running through: logged, and emitted when someone listens. */
  report(error: unknown, message: string): void;
}
