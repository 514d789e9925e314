import { label, lossFrom, within } from './fault-times.js';
import type { FaultRecord, RunRecord } from './run-record.js';

/** Offsets a schedule covered that an earlier schedule had covered already. */
export interface ScheduledTwice {
  what: string;
  range: { topic: string; partition: number; from: number; to: number };
  /** The fault or report that explains it; none: a violation. */
  excuse: string | undefined;
}

interface Schedule {
  from: number;
  to: number;
  at: number;
  who: string;
}

/**
 * Every offset scheduled again, with what excuses it, offset by offset so that each
 * excuse is spent once: a Redis master kill explains one more schedule of an offset it
 * undid (the promoted replica's saved offset went back over it, read from Redis; or the
 * schedule before came within the loss window before the kill, for a write after that
 * read), a reported `reset-ahead` over it explains any. Consecutive offsets with the same
 * pair of schedules and excuse come out as one range.
 */
export function schedulesTwice(record: RunRecord): ScheduledTwice[] {
  const { schedules, resets } = schedulesByPartition(record);
  const kills = record.faults.filter((f) => f.kind === 'redis-master-kill');
  const found: ScheduledTwice[] = [];
  for (const [k, list] of schedules) {
    const cut = k.lastIndexOf('/');
    const [topic, partition] = [k.slice(0, cut), Number(k.slice(cut + 1))];
    // Each kill undoes an offset's schedule once: `kill index/offset` once spent.
    const spent = new Set<string>();
    const excuseFor = (offset: number, before: Schedule, again: Schedule) => {
      const i = kills.findIndex(
        (f, j) =>
          !spent.has(`${j}/${offset}`) &&
          again.at > f.at &&
          (within(before.at, lossFrom(f, record), f.at) ||
            rolledBackOver(f, topic, partition, offset)),
      );
      if (i >= 0) {
        spent.add(`${i}/${offset}`);
        return label(kills[i] as FaultRecord);
      }
      const reset = resets.find(
        (r) => r.topic === topic && r.partition === partition && r.from <= offset && offset < r.to,
      );
      return reset ? `reset-ahead ${k} [${reset.from},${reset.to})` : undefined;
    };
    const last = new Map<number, Schedule>();
    let open: (ScheduledTwice & { before: Schedule; again: Schedule }) | undefined;
    for (const again of [...list].sort((a, b) => a.at - b.at)) {
      for (let offset = again.from; offset < again.to; offset++) {
        const before = last.get(offset);
        last.set(offset, again);
        if (before === undefined) continue;
        const excuse = excuseFor(offset, before, again);
        if (
          open?.before === before &&
          open.again === again &&
          open.excuse === excuse &&
          open.range.to === offset
        ) {
          open.range.to = offset + 1;
          continue;
        }
        open = {
          what: `${k} [${before.from},${before.to}) by ${before.who} @${before.at} and [${again.from},${again.to}) by ${again.who} @${again.at}`,
          range: { topic, partition, from: offset, to: offset + 1 },
          excuse,
          before,
          again,
        };
        found.push(open);
      }
    }
  }
  return found.map(({ what, range, excuse }) => ({ what, range, excuse }));
}

function schedulesByPartition(record: RunRecord) {
  const schedules = new Map<string, Schedule[]>();
  const resets: Array<{ topic: string; partition: number; from: number; to: number }> = [];
  for (const n of record.nodes) {
    for (const e of n.events) {
      if (e.type === 'unitsScheduled') {
        const k = `${e.event.topic}/${e.event.partition}`;
        const list = schedules.get(k) ?? [];
        list.push({
          from: e.event.from,
          to: e.event.to,
          at: e.at,
          who: `${n.nodeId}@${e.event.epoch}`,
        });
        schedules.set(k, list);
      } else if (e.type === 'offsetsMoved' && e.event.reason === 'reset-ahead') {
        resets.push(e.event);
      }
    }
  }
  return { schedules, resets };
}

/**
 * Whether kill `f` undid the schedule of `offset`: the promoted replica's saved offset
 * was at or below it while the killed master's was past it. This is read from Redis, not
 * inferred from times: a leader's event may come well after its write (a stalled or
 * starved process reads its reply late), so a lost write can look later than the kill.
 */
function rolledBackOver(f: FaultRecord, topic: string, partition: number, offset: number) {
  return (f.rolledBack ?? []).some(
    (r) => r.topic === topic && r.partition === partition && r.from <= offset && offset < r.to,
  );
}
