/** What a chaos episode leaves behind for the checker: reports, faults, log and Redis. */

export interface UnitRef {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  len: number;
}

/** One report of a chaos node process, stamped with the time it was sent (ms since the epoch). */
export type NodeEventRecord =
  | {
      type: 'batch';
      at: number;
      unit: Pick<UnitRef, 'id' | 'topic' | 'partition'>;
      redelivered: boolean;
      offsets: number[];
    }
  | { type: 'unitClaimed'; at: number; event: { unit: UnitRef } }
  | { type: 'unitCompleted'; at: number; event: { unit: UnitRef; possibleDuplicate: boolean } }
  | {
      type: 'unitFailed';
      at: number;
      event: { unit?: UnitRef; outcome: string; reason?: string; error: string };
    }
  | {
      type: 'unitsScheduled';
      at: number;
      event: { topic: string; partition: number; from: number; to: number; epoch: number };
    }
  | {
      type: 'offsetsMoved';
      at: number;
      event: { topic: string; partition: number; from: number; to: number; reason: string };
    }
  | { type: 'closed'; at: number }
  | {
      type:
        | 'leaderGained'
        | 'leaderLost'
        | 'nodeRecovered'
        | 'orphansRequeued'
        | 'leaseLost'
        | 'partitionsAdded'
        | 'handlerOverrun'
        | 'settleFailed'
        | 'error'
        /** The process ended without the harness killing or closing it. */
        | 'exited';
      at: number;
      event: Record<string, unknown>;
    };

export const FAULT_KINDS = [
  'node-kill',
  'leader-kill',
  'node-stall',
  'node-close',
  'redis-master-kill',
  'redis-restart',
  'kafka-broker-kill',
  'kafka-broker-restart',
  'partitions-add',
  'topic-add',
  'topic-remove',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A fault as it was carried out: when it began and, for one that lasts, when it ended. */
export interface FaultRecord {
  kind: FaultKind;
  at: number;
  /** A stall's SIGCONT, a Redis master's replacement promoted, a broker's restart done. */
  endAt?: number;
  /** The node process it hit, for node faults. */
  nodeId?: string;
  /**
   * A Redis master killed with no replica streaming from it: its writes from here on
   * may be missing on the one promoted (instead of the last `redisLossWindowMs` only).
   */
  lossFrom?: number;
  /**
   * A Redis master killed and replaced: the saved offsets the promoted replica holds
   * below the killed master's (read from each just before the kill and just after the
   * promotion). Each is a schedule the kill undid: `[from, to)` may be scheduled again.
   */
  rolledBack?: SavedOffsetRollback[];
  detail: string;
}

export interface SavedOffsetRollback {
  topic: string;
  partition: number;
  /** The saved offset the promoted replica holds. */
  from: number;
  /** The saved offset the killed master held. */
  to: number;
}

export type Marker = 'poison' | 'throw' | 'hang';

/** One record of the log, as a plain consumer read it back after the episode. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  marker?: Marker;
}

export interface ErrorListed {
  topic: string;
  partition: number;
  offset: number;
  len: number;
  reason: string;
  /** The last error, as kf wrote it with the entry. */
  detail: string;
}

export interface RunRecord {
  nodes: Array<{ nodeId: string; events: NodeEventRecord[] }>;
  log: LogRecord[];
  errorList: ErrorListed[];
  /** Error-list entries whose unit could not be read: always a violation here. */
  unreadableErrors: string[];
  /** Units still in any node's working list once the episode drained. */
  leftWorking: string[];
  /** Units still queued once the episode drained. */
  leftQueued: number;
  faults: FaultRecord[];
  /** Fault actions that failed (a replacement node that did not start, a restart that hung). */
  harnessErrors: string[];
  /**
   * How long before a Redis master's SIGKILL its acknowledged writes may not have reached
   * the replica promoted in its place: writes of that stretch may be undone.
   */
  redisLossWindowMs: number;
}
