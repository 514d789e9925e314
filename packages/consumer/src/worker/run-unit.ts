import { setTimeout as delay } from 'node:timers/promises';
import type { FetchConf } from '@kf/core';
import {
  type FetchResult,
  type Isolation,
  type KafkaAccess,
  type KafkaRecord,
  KafkaRequestError,
  NotLeaderError,
} from '@kf/protocol';
import { HandlerTimeoutError } from '../errors/handler-timeout-error.js';
import type { ProcessCalls } from '../telemetry/process-calls.js';
import type { WorkUnit } from '../work-unit/work-unit.js';
import { type AbortRace, limitCalls, type Overrun } from './abort-race.js';
import { readCarried } from './carried-records.js';
import type { AttemptProgress } from './failure-outcome.js';
import type { FetchSizes } from './fetch-sizes.js';
import { type UnitInfo, unitInfo } from './message.js';

// How long a fetch that found nothing readable waits before the next (the broker has
// usually waited `maxWaitMs` already); `timeoutMs` without progress bounds the whole.
const NO_PROGRESS_PAUSE_MS = 20;

/** What a unit's records are handed to: user code, through one of the run modes. */
export interface Delivery {
  /**
   * Hands `records` (in order, all inside the unit's range) to user code. Returns the
   * first offset user code did not finish: past the last record when it took them all,
   * lower when the node began closing part-way.
   */
  deliver(records: KafkaRecord[], context: DeliveryContext): Promise<number>;
  /**
   * Told how long each fetch of the unit's records from Kafka took, and its error if it
   * failed. Reading the records the unit carries is no fetch, and is not told.
   */
  fetched?(unit: UnitInfo, durationMs: number, error?: unknown): void;
}

export interface DeliveryContext {
  unit: UnitInfo;
  /** Aborted when a call's time (`handlerTimeoutMs`) is up, or the node gives up waiting. */
  signal: AbortSignal;
  /** Races one call of user code against its time: use it for every await of user code. */
  race: AbortRace;
  /** True once the node is closing: stop at the next message and report how far you got. */
  stopping(): boolean;
  /** Records that user code finished every offset below `offset`. */
  processed(offset: number): void;
  /** Records that user code is being handed `[from, to)`. */
  handing(from: number, to: number): void;
  /** Wraps each call of user code in its trace span and timing, when telemetry is on. */
  calls?: ProcessCalls;
}

export type UnitOutcome =
  | { kind: 'done'; messages: number }
  /** The node is closing: `processedUpTo` is where the remainder starts. */
  | {
      kind: 'stopped';
      messages: number;
      processedUpTo: number;
      /** Whether user code was left holding the record at `processedUpTo` (given up on). */
      handed: boolean;
    }
  | {
      kind: 'failed';
      messages: number;
      error: unknown;
      progress: AttemptProgress;
      /** A call whose time ran out and which still runs (see `LateCall`). */
      overrun?: LateCall;
    };

/**
 * A call given up on at its time that still runs: user code that ignored its signal, or
 * a fetch kafkajs has not settled yet.
 */
export interface LateCall extends Overrun {
  of: 'user-code' | 'fetch';
}

export interface RunUnitOptions {
  kafka: KafkaAccess;
  fetch: FetchConf;
  /** Sizes each fetch from what is left of the unit; without it, each asks for `fetch.maxBytes`. */
  sizes?: FetchSizes;
  isolation: Isolation;
  /** The longest one call (a fetch, or one call of user code) may take. */
  timeoutMs: number;
  delivery: Delivery;
  stopping(): boolean;
  /**
   * Aborted when a closing node stops waiting: the unit ends where user code got, and
   * the rest is queued again (not counted as a failed attempt).
   */
  closeSignal: AbortSignal;
  /**
   * Called each time Kafka answered a fetch of the unit's partition (with records or
   * without): the partition is served (see `UnavailabilityBackoff.served`).
   */
  served?(): void;
  /** The records the unit carries could not be decoded (they were fetched instead). */
  unreadableRecords?(error: unknown): void;
}

/**
 * Reads exactly `[offset, offset + len)` of the unit's partition, batch by batch, and
 * hands it to user code; several fetches when the range exceeds the byte limit, or a
 * fetch sized from an estimate came back short (the next one starts where it stopped). Never
 * throws: a failure is an outcome, for the caller to retry or error-list.
 */
export async function runUnit(unit: WorkUnit, options: RunUnitOptions): Promise<UnitOutcome> {
  const end = unit.offset + unit.len;
  let position = unit.offset;
  let messages = 0;
  // The records of the call of user code in progress: when it ends in a throw, a timeout
  // or the close deadline, those it finished (below processedUpTo) still count.
  let delivering: KafkaRecord[] = [];
  let processedUpTo = unit.offset;
  let inHand: { from: number; to: number } | undefined;
  let idleSince: number | undefined;
  let fetching = false;
  let lateOf: LateCall['of'] = 'fetch';
  const limit = limitCalls(options.closeSignal, options.timeoutMs, () => {
    if (inHand !== undefined) {
      lateOf = 'user-code';
      return new HandlerTimeoutError(unit.id, inHand.from, options.timeoutMs);
    }
    lateOf = 'fetch';
    const noReply = new KafkaRequestError(
      `fetch ${unit.topic}/${unit.partition} at ${position}`,
      undefined,
      `no reply within handlerTimeoutMs (${options.timeoutMs} ms)`,
    );
    // A fetch the leader did not answer within the call limit, nothing in user code's
    // hands: as when kafkajs's own request timeout fires (at the defaults, later), the
    // leader is taken as unavailable (a hung broker, a blackholed network; or a fetch too
    // large for the link, which this cannot tell apart). Retried without counting an
    // attempt, after a metadata refresh.
    return fetching
      ? new NotLeaderError(unit.topic, unit.partition, 'no-reply', undefined, { cause: noReply })
      : noReply;
  });
  const { race, signal } = limit;
  const context: DeliveryContext = {
    unit: unitInfo(unit),
    signal,
    race,
    stopping: options.stopping,
    processed: (offset) => {
      processedUpTo = Math.max(processedUpTo, offset);
      inHand = undefined;
    },
    handing: (from, to) => {
      inHand = { from, to };
    },
  };
  // Read once, by the unit's first fetch; what lies past them is fetched from Kafka.
  let carried = unit.records !== undefined;
  /** Starts a fetch from `from`; what it settles with is read when the unit gets there. */
  const startFetch = (from: number): FetchUnderWay => {
    const started = performance.now();
    const request = {
      topic: unit.topic,
      partition: unit.partition,
      offset: from,
      endOffset: end,
      maxBytes:
        options.sizes?.bytesFor(unit.topic, unit.partition, end - from) ?? options.fetch.maxBytes,
      maxWaitMs: options.fetch.maxWaitMs,
      isolation: options.isolation,
    };
    const fromCarried = carried;
    carried = false;
    const read = async (): Promise<{ result: FetchResult; fromKafka: boolean }> => {
      const result = fromCarried
        ? await readCarried(unit, request, options.kafka, (error) =>
            options.unreadableRecords?.(error),
          )
        : undefined;
      return result === undefined
        ? { result: await options.kafka.fetch(request), fromKafka: true }
        : { result, fromKafka: false };
    };
    const settled = read().then(
      ({ result, fromKafka }): FetchSettled => ({
        result,
        fromKafka,
        durationMs: performance.now() - started,
      }),
      (error: unknown): FetchSettled => ({ error, durationMs: performance.now() - started }),
    );
    return { from, started, settled };
  };
  // The fetch of the unit's next range, started while user code handles the current one;
  // one at most. Dropped unread when the unit ends before it (a stop, a failure): the
  // sequential read would not have asked for it.
  let ahead: FetchUnderWay | undefined;
  try {
    while (position < end) {
      if (options.stopping()) {
        return { kind: 'stopped', messages, processedUpTo: position, handed: false };
      }
      const underWay = ahead?.from === position ? ahead : startFetch(position);
      ahead = undefined;
      fetching = true;
      const { result, fromKafka } = await settledFetch(
        underWay,
        race,
        context.unit,
        options.delivery,
      );
      fetching = false;
      // Records the unit carried say nothing of whether Kafka serves the partition now.
      if (fromKafka) options.served?.();
      options.sizes?.learn(unit.topic, unit.partition, result.batches);
      const records = result.records.filter((r) => r.offset >= position && r.offset < end);
      const last = records.at(-1);
      const next = Math.min(end, Math.max(result.nextOffset, last ? last.offset + 1 : position));
      if (last !== undefined) {
        // Fetch and user code overlap: the next range is on its way while this one is
        // handled. Its answer, or its failure, is taken up exactly where a fetch made
        // after this delivery would have been.
        if (next < end) ahead = startFetch(next);
        delivering = records;
        const upTo = await options.delivery.deliver(records, context);
        context.processed(upTo);
        messages += records.filter((r) => r.offset < upTo).length;
        delivering = [];
        if (upTo <= last.offset) {
          return { kind: 'stopped', messages, processedUpTo: upTo, handed: false };
        }
      }
      if (next === position) {
        // Nothing readable at `position` yet: after a leader change the new leader's high
        // watermark can trail what was acknowledged for a moment. Offsets that are truly
        // gone come back from the broker as OffsetOutOfRange; this only waits, a bounded time.
        idleSince ??= performance.now();
        if (performance.now() - idleSince >= options.timeoutMs) {
          throw new KafkaRequestError(
            `fetch ${unit.topic}/${unit.partition} at ${position}`,
            undefined,
            `nothing readable for handlerTimeoutMs (${options.timeoutMs} ms)`,
          );
        }
        // Not a call: outside the call limit (a limit below the pause would fail every
        // empty fetch), but a closing node does not wait it out.
        await delay(NO_PROGRESS_PAUSE_MS, undefined, { signal: options.closeSignal });
      } else {
        idleSince = undefined;
      }
      position = next;
    }
    return { kind: 'done', messages };
  } catch (error) {
    messages += delivering.filter((r) => r.offset < processedUpTo).length;
    if (options.closeSignal.aborted) {
      return { kind: 'stopped', messages, processedUpTo, handed: inHand !== undefined };
    }
    const late = limit.overrun();
    return {
      kind: 'failed',
      messages,
      error,
      progress: { processedUpTo, ...(inHand === undefined ? {} : { inHand }) },
      ...(late === undefined ? {} : { overrun: { ...late, of: lateOf } }),
    };
  } finally {
    limit.dispose();
  }
}

type FetchSettled =
  | { result: FetchResult; fromKafka: boolean; durationMs: number; error?: undefined }
  | { result?: undefined; durationMs: number; error: unknown };

/** A fetch of the unit's records under way; `settled` never rejects. */
interface FetchUnderWay {
  from: number;
  /** `performance.now()` when it was sent. */
  started: number;
  settled: Promise<FetchSettled>;
}

/**
 * A fetch's answer, awaited within the call limit (counted from when the unit waits on
 * it, not from when it was sent ahead); how long it took, and how it failed, told to the
 * delivery. Throws the fetch's error, or the limit's.
 */
async function settledFetch(
  underWay: FetchUnderWay,
  race: AbortRace,
  unit: UnitInfo,
  delivery: Delivery,
): Promise<{ result: FetchResult; fromKafka: boolean }> {
  let answer: FetchSettled;
  try {
    answer = await race(underWay.settled);
  } catch (error) {
    delivery.fetched?.(unit, performance.now() - underWay.started, error);
    throw error;
  }
  if (answer.result === undefined) {
    delivery.fetched?.(unit, answer.durationMs, answer.error);
    throw answer.error;
  }
  if (answer.fromKafka) delivery.fetched?.(unit, answer.durationMs);
  return answer;
}
