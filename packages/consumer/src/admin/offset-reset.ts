import type { GroupKeys } from '@kf/core';
import {
  ErrorCode,
  type IRedis,
  type Isolation,
  isKfError,
  type KafkaAccess,
  KafkaErrorCode,
  type PartitionOffsets,
  ScriptError,
  type ScriptReply,
} from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { GroupAdminError, GroupAdminErrorCode } from './group-admin-error.js';
import type { GroupPause } from './group-pause.js';
import type { PauseNote } from './pause-note.js';
import { type DroppedUnits, describeDropped, resetDrops } from './reset-drops.js';
import {
  describePause,
  holdResetPause,
  messageOf,
  type PauseAround,
  type ResetPause,
} from './reset-pause.js';
import { invalid, type ResetTarget, resolveTarget } from './reset-target.js';
import { unitCounts } from './unit-counts.js';

export type { UnitRange, UnreadableUnit } from './reset-drops.js';

export interface OffsetResetRequest {
  topic: string;
  /** One partition; every partition of the topic when omitted. */
  partition?: number;
  to: ResetTarget;
  /** Default true: only say what would move. `false` moves the offsets. */
  dryRun?: boolean;
  /**
   * Stops a reset (a command line's Ctrl-C): before its script is sent, the call rejects
   * with `KF_ADMIN_INTERRUPTED` once the reset's own pause is lifted, and nothing moved.
   * Once the script is sent, the reset waits for its answer and ends as it would have,
   * so the units it dropped are reported.
   */
  signal?: AbortSignal;
}

export interface PartitionReset {
  partition: number;
  /** The saved offset before; `null` when none was saved. */
  from: number | null;
  to: number;
  logStart: number;
  logEnd: number;
}

export interface OffsetResetResult extends DroppedUnits {
  topic: string;
  dryRun: boolean;
  partitions: PartitionReset[];
  /**
   * Units of those partitions claimed by nodes: they keep running to their end. `null`
   * when they could not be counted after the move (`warnings` says why).
   */
  inFlightUnits: number | null;
  /**
   * How the group was paused around the move: `reset` when the reset paused it and
   * lifted its pause after; `already` when it was paused before and stays paused;
   * `paused-meanwhile` when someone paused it while the reset ran (it stays paused,
   * `pausedBy`); `release-failed` when the reset's pause could not be lifted (it lapses
   * on its own at `pauseLapsesAt`, see `warnings`); `null` for a dry run.
   */
  pause: PauseAround['pause'] | null;
  pausedBy?: PauseNote;
  pauseLapsesAt?: number;
  /** What failed after the offsets moved: the move itself stands. Empty when nothing did. */
  warnings: string[];
}

/**
 * Moves the saved offsets of a topic's partitions, safe while nodes run: the group is
 * paused around it (unless already paused) by a pause that lapses on its own, and one
 * script sets the offsets and drops the queued units of those partitions, only if the
 * saved offsets are still those the reset was planned from (see reset-offsets-n.lua).
 */
export async function resetOffsets(
  redis: IRedis,
  keys: GroupKeys,
  kafka: KafkaAccess,
  isolation: Isolation,
  pause: { control: GroupPause; by: string; ttlMs: number },
  request: OffsetResetRequest,
): Promise<OffsetResetResult> {
  const { topic, signal } = request;
  const dryRun = request.dryRun ?? true;
  const groupTopics = await redis.setMembers(keys.topics);
  if (!groupTopics.includes(topic)) {
    throw invalid(
      `topic ${topic} is not one of the group's topics (${groupTopics.sort().join(', ') || 'none'})`,
    );
  }
  const log = choosePartitions(topic, await topicLog(kafka, topic, isolation), request.partition);
  const targets = await resolveTarget(kafka, topic, log, request.to, isolation);
  const numbers = targets.map((t) => t.partition);
  // A target that is the log end as read before the pause ('latest', or a time no record
  // is at or after) must not move a partition back that a leader scheduled past it since:
  // that would deliver the range between twice, which nobody asked for.
  const atLogEnd = (t: (typeof targets)[number]) =>
    request.to === 'latest' || (request.to instanceof Date && t.to === t.logEnd);
  // Each partition's saved offset now: the script applies only while they are unchanged.
  const planned = async (): Promise<PartitionReset[]> => {
    const saved = await redis.hashGetAll(keys.offsets);
    return targets.map((t) => {
      const from = savedOffset(saved[`${topic}/${t.partition}`]);
      const to = atLogEnd(t) && from !== null ? Math.max(t.to, from) : t.to;
      return { ...t, from, to };
    });
  };

  if (dryRun) {
    const [partitions, queued, counts] = await Promise.all([
      planned(),
      redis.listRange(keys.work, 0, -1),
      unitCounts(redis, keys),
    ]);
    return {
      topic,
      dryRun,
      partitions,
      ...describeDropped(queued.filter((raw) => resetDrops(raw, topic, numbers))),
      inFlightUnits: inFlight(counts, topic, numbers),
      pause: null,
      warnings: [],
    };
  }

  throwIfAborted(signal, 'nothing was moved');
  const held = await holdResetPause(pause.control, pause.by, pause.ttlMs);
  if (signal?.aborted) {
    throw await interrupted(held, 'nothing was moved');
  }
  let partitions: PartitionReset[];
  try {
    // Read once the group is paused: only a leader's tick already under way can still
    // move them, so a reset is refused for a move it raced with only then.
    partitions = await abortable(planned(), signal);
  } catch (error) {
    if (error instanceof Aborted) throw await interrupted(held, 'nothing was moved');
    throw withPause(
      new GroupAdminError(
        GroupAdminErrorCode.Unreachable,
        `the saved offsets could not be read (${messageOf(error)}): nothing was moved`,
        { cause: error },
      ),
      await held.release(),
    );
  }
  let reply: ScriptReply;
  try {
    // Not abortable: once sent, its answer (bounded by the command timeout) is what says
    // which units it dropped, and a stop now would lose that report.
    reply = await redis.evalScript(
      scripts.resetOffsets,
      [keys.work, keys.offsets, ...numbers.map((p) => keys.pending(topic, p))],
      [topic, ...partitions.flatMap((p) => [p.partition, p.to, p.from ?? ''])],
    );
  } catch (error) {
    throw await failed(held, error);
  }
  const around = await held.release();
  let outcome: ResetOutcome;
  try {
    outcome = parseReply(reply, targets.length);
  } catch (error) {
    throw withPause(error as ScriptError, around);
  }
  if (outcome.status === 'moved') {
    throw withPause(
      new GroupAdminError(
        GroupAdminErrorCode.OffsetsMoved,
        movedMessage(topic, partitions, outcome.now),
      ),
      around,
    );
  }

  const warnings: string[] = [];
  const pauseWarning = around.pause === 'release-failed' ? describePause(around) : undefined;
  if (pauseWarning !== undefined) warnings.push(pauseWarning);
  let inFlightUnits: number | null = null;
  try {
    inFlightUnits = inFlight(await unitCounts(redis, keys), topic, numbers);
  } catch (error) {
    warnings.push(`the units still claimed by nodes could not be counted: ${messageOf(error)}`);
  }
  return {
    topic,
    dryRun,
    partitions,
    ...describeDropped(outcome.dropped),
    inFlightUnits,
    pause: around.pause,
    ...(around.pause === 'paused-meanwhile' ? { pausedBy: around.pausedBy } : {}),
    ...(around.pause === 'release-failed' ? { pauseLapsesAt: around.lapsesAt } : {}),
    warnings,
  };
}

/** The call's signal fired while the reset waited on Redis. */
class Aborted extends Error {}

function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new GroupAdminError(GroupAdminErrorCode.Interrupted, `interrupted: ${what}`);
  }
}

/** `work`, or an `Aborted` rejection as soon as `signal` fires (`work` runs on regardless). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Aborted());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function interrupted(held: ResetPause, what: string): Promise<GroupAdminError> {
  const around = await held.release();
  const pauseNow =
    around.pause === 'reset'
      ? "; the reset's pause was lifted"
      : around.pause === 'already'
        ? '; the group was paused before the reset and stays paused'
        : '';
  return withPause(
    new GroupAdminError(GroupAdminErrorCode.Interrupted, `interrupted: ${what}${pauseNow}`),
    around,
  );
}

/**
 * The script's call failed. Redis refusing it (a script error: under maxmemory its first
 * write is refused whole) changed nothing; no answer at all leaves the outcome unknown.
 */
async function failed(held: ResetPause, error: unknown): Promise<Error> {
  const around = await held.release();
  if (isKfError(error, ErrorCode.Script)) return withPause(error as ScriptError, around);
  return withPause(
    new GroupAdminError(
      GroupAdminErrorCode.OutcomeUnknown,
      `Redis did not answer the reset (${messageOf(error)}): it may have been applied; check with kf lag before running it again`,
      { cause: error },
    ),
    around,
  );
}

/** The error, with what became of the pause added to its message when that matters. */
function withPause<E extends GroupAdminError | ScriptError>(error: E, around: PauseAround): E {
  const note = describePause(around);
  if (note === undefined) return error;
  // By brand and code, as kf recognises its errors everywhere: `instanceof` fails for an
  // adapter built against another copy of @kf/protocol.
  if (isKfError(error) && error.code === ErrorCode.Script) {
    const script = error as ScriptError;
    return new ScriptError(script.scriptName, `${script.serverMessage}; ${note}`, {
      cause: script.cause,
    }) as E;
  }
  return new GroupAdminError(error.code, `${error.message}; ${note}`, { cause: error.cause }) as E;
}

function movedMessage(
  topic: string,
  planned: Array<{ partition: number; from: number | null; to: number }>,
  now: Map<number, number | null>,
): string {
  const moved = planned.filter((p) => now.has(p.partition));
  const each = moved
    .map(
      (p) =>
        `${topic}/${p.partition}: read ${p.from ?? 'none'}, now ${now.get(p.partition) ?? 'none'}`,
    )
    .join(', ');
  const ownTargets = moved.every((p) => now.get(p.partition) === p.to);
  return `the offsets moved since they were read (${each}): nothing was changed; run the reset again${
    ownTargets
      ? ". They now hold this reset's targets: if the connection to Redis dropped during the reset, it was most likely applied already by its own command sent again, and the units it dropped could not be reported; check with kf lag"
      : ''
  }`;
}

async function topicLog(
  kafka: KafkaAccess,
  topic: string,
  isolation: Isolation,
): Promise<PartitionOffsets[]> {
  try {
    return await kafka.offsets(topic, isolation);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === KafkaErrorCode.UnknownTopicOrPartition) {
      throw invalid(`topic ${topic} does not exist in Kafka`);
    }
    throw error;
  }
}

function choosePartitions(
  topic: string,
  log: PartitionOffsets[],
  partition: number | undefined,
): PartitionOffsets[] {
  if (partition === undefined) return log;
  const chosen = log.filter((p) => p.partition === partition);
  if (chosen.length === 0) {
    throw invalid(
      `partition ${partition} of ${topic} does not exist: it has partitions 0 to ${log.length - 1}`,
    );
  }
  return chosen;
}

function inFlight(
  counts: Map<string, { inFlight: number }>,
  topic: string,
  partitions: number[],
): number {
  return partitions.reduce((sum, p) => sum + (counts.get(`${topic}/${p}`)?.inFlight ?? 0), 0);
}

function savedOffset(text: string | undefined): number | null {
  return text === undefined || text === '' ? null : Number(text);
}

type ResetOutcome =
  | { status: 'applied'; dropped: string[] }
  /** Each partition whose saved offset was not the one planned from, with its offset now. */
  | { status: 'moved'; now: Map<number, number | null> };

function parseReply(reply: ScriptReply, partitions: number): ResetOutcome {
  if (Array.isArray(reply) && Array.isArray(reply[1])) {
    const [status, values] = reply as [unknown, unknown[]];
    if (status === ScriptStatus.Done) return { status: 'applied', dropped: values.map(String) };
    if (status === ScriptStatus.Stale && values.length > 0 && values.length <= 2 * partitions) {
      const now = new Map<number, number | null>();
      for (let i = 0; i < values.length; i += 2) {
        now.set(Number(values[i]), savedOffset(String(values[i + 1])));
      }
      return { status: 'moved', now };
    }
  }
  throw new ScriptError(scripts.resetOffsets.name, `unexpected reply ${JSON.stringify(reply)}`);
}
