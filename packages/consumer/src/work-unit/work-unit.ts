import { randomUUID } from 'node:crypto';
import type { Isolation } from '@kf/protocol';
import { z } from 'zod';

/**
 * A range of one partition's offsets, `[offset, offset + len)`, queued in Redis for any
 * node to take. Its encoded string is its identity in the lists: the exact string
 * popped is the one removed, so it is encoded in one place with a fixed key order.
 *
 * The format is shared by every node of a group, and in a rolling upgrade by two kf
 * versions at once, so it changes by one rule: fields are only ever added. A node keeps
 * the fields it does not know (`extra`) and writes them back on every re-encode; a
 * change of meaning takes a new field name. `v` is raised only for a format that older
 * nodes must not read: they error-list such a unit as `MALFORMED_UNIT`, and
 * `errors.requeue()` on an upgraded node queues it again.
 */
export interface WorkUnit {
  /**
   * `topic/partition/offset~suffix`, the suffix fresh each time a range is scheduled,
   * sliced or handed back: the unit's member in its partition's pending set, unique even
   * when one start offset is scheduled twice (a reset-ahead). Units of the previous
   * release have no suffix.
   */
  id: string;
  topic: string;
  partition: number;
  offset: number;
  len: number;
  /** Failed attempts so far. */
  attempts: number;
  /** When the unit was made (ms since the epoch): its age shows in the error list. */
  ts: number;
  /**
   * True when part of this range may have reached user code before. Encoded as `r`, a
   * count of such hand-backs, first in the string so a script can raise it without
   * parsing the JSON; absent means false.
   */
  redelivered?: boolean;
  /** The unit's records, when the leader had them at hand (encoded as `rec`). */
  records?: UnitRecords;
  /**
   * Why the records the unit carried were left out, when they were malformed: the unit
   * is fetched instead (and the reason reported), never error-listed for them.
   */
  unreadableRecords?: string;
  /** Fields a newer kf wrote that this one does not know, kept to be written back. */
  extra?: Readonly<Record<string, unknown>>;
}

/**
 * Records carried in the unit so that its worker need not fetch them: Kafka's record
 * batches exactly as a Fetch from `from` answered the leader's long poll, base64, and
 * the aborted transactions listed beside them. They hold every record from `from` up to
 * their last batch's end, so they serve any range that starts at or above `from` (a
 * slice, a remainder); what lies past them is fetched. A node that does not know the
 * field keeps it as an unknown one and fetches.
 */
export interface UnitRecords {
  from: number;
  /** The isolation the records were read under: a node reading under another fetches. */
  isolation: Isolation;
  /** Whole record batches, back to back, base64. */
  data: string;
  /** `[producerId, firstOffset]` of each aborted transaction listed (read_committed). */
  aborted: Array<[string, string]>;
  /** Fields of `rec` a newer kf wrote that this one does not know, kept to be written back. */
  extra?: Readonly<Record<string, unknown>>;
}

/** The format version this release writes, and the newest it reads. */
export const UNIT_FORMAT_VERSION = 1;

const count = z.int().nonnegative();

const KNOWN = [
  'r',
  'v',
  'id',
  'topic',
  'partition',
  'offset',
  'len',
  'attempts',
  'ts',
  'rec',
] as const;
type Known = (typeof KNOWN)[number];

const unitSchema = z.looseObject({
  r: count.optional(),
  v: z.int().positive().optional(),
  id: z.string().min(1),
  topic: z.string().min(1),
  partition: count,
  offset: count,
  len: z.int().positive(),
  attempts: count,
  ts: count,
});

const ISOLATIONS = ['read_uncommitted', 'read_committed'] as const satisfies Isolation[];
const REC_KNOWN = ['f', 'i', 'b', 'a'];

/**
 * `rec`: loose, as the unit is, so fields a newer kf adds inside it are kept too. The
 * unit's rule holds inside it: fields are only added, and none changes what `f`, `i`,
 * `b` or `a` mean (that takes new names, or a raised `v`), so a node that does not know
 * a newer field can still read the records.
 */
const recordsSchema = z.looseObject({
  f: count,
  // Kafka's wire values: 0 read_uncommitted, 1 read_committed.
  i: z.union([z.literal(0), z.literal(1)]),
  b: z.base64(),
  a: z.array(z.tuple([z.string().regex(/^-?\d+$/), z.string().regex(/^\d+$/)])).optional(),
});

const ID_SUFFIX = /^~[0-9a-z]{1,32}$/;

/**
 * A fresh id for a unit of `[offset, …)`: its range for people reading logs, and a
 * random suffix, so two units with one start offset never share a pending member.
 */
export function unitId(topic: string, partition: number, offset: number): string {
  return `${rangeId(topic, partition, offset)}~${randomUUID().slice(0, 8)}`;
}

function rangeId(topic: string, partition: number, offset: number): string {
  return `${topic}/${partition}/${offset}`;
}

export function encodeUnit(unit: WorkUnit): string {
  const { id, topic, partition, offset, len, attempts, ts } = unit;
  const known = {
    r: unit.redelivered === true ? 1 : 0,
    v: UNIT_FORMAT_VERSION,
    id,
    topic,
    partition,
    offset,
    len,
    attempts,
    ts,
    ...(unit.records === undefined ? {} : { rec: encodeRecords(unit.records) }),
  };
  if (unit.extra === undefined) return JSON.stringify(known);
  // A known name among the extra fields would move or overwrite a known field, and the
  // flag must stay first: only names this release does not know are written back.
  const extra = Object.entries(unit.extra).filter(([key]) => !KNOWN.includes(key as Known));
  return JSON.stringify({ ...known, ...Object.fromEntries(extra) });
}

function encodeRecords({
  from,
  isolation,
  data,
  aborted,
  extra,
}: UnitRecords): Record<string, unknown> {
  const known = {
    f: from,
    i: ISOLATIONS.indexOf(isolation),
    b: data,
    ...(aborted.length === 0 ? {} : { a: aborted }),
  };
  if (extra === undefined) return known;
  return {
    ...known,
    ...Object.fromEntries(Object.entries(extra).filter(([key]) => !REC_KNOWN.includes(key))),
  };
}

/** `rec` read, or the reason it cannot be (the unit is then fetched). */
function decodeRecords(rec: unknown): UnitRecords | string {
  const parsed = recordsSchema.safeParse(rec);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return `${['rec', ...(first?.path ?? [])].join('.')}: ${first?.message ?? 'invalid'}`;
  }
  const { f, i, b, a, ...rest } = parsed.data;
  const records: UnitRecords = {
    from: f,
    isolation: ISOLATIONS[i],
    data: b,
    aborted: (a ?? []) as Array<[string, string]>,
  };
  if (Object.keys(rest).length > 0) records.extra = rest;
  return records;
}

export type DecodedUnit = { ok: true; unit: WorkUnit } | { ok: false; reason: string };

/**
 * Reads a unit popped from a list. A malformed one is not thrown away: the reason says
 * what is wrong, for the error list. A unit without `v` (the previous release's) reads
 * as version 1.
 */
export function decodeUnit(raw: string): DecodedUnit {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = unitSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first?.path.join('.') || '(root)';
    return { ok: false, reason: `${path}: ${first?.message ?? 'invalid'}` };
  }
  const { r, v, id, topic, partition, offset, len, attempts, ts, rec, ...rest } =
    parsed.data as z.infer<typeof unitSchema> & { rec?: unknown };
  if (v !== undefined && v > UNIT_FORMAT_VERSION) {
    return {
      ok: false,
      reason: `v: format version ${v} is newer than this kf reads (${UNIT_FORMAT_VERSION}); upgrade this node`,
    };
  }
  const range = rangeId(topic, partition, offset);
  if (id !== range && !(id.startsWith(range) && ID_SUFFIX.test(id.slice(range.length)))) {
    return { ok: false, reason: `id: expected ${range} or ${range}~suffix` };
  }
  const unit: WorkUnit = { id, topic, partition, offset, len, attempts, ts };
  unit.redelivered = (r ?? 0) > 0;
  if (rec !== undefined) {
    const records = decodeRecords(rec);
    if (typeof records === 'string') unit.unreadableRecords = records;
    else unit.records = records;
  }
  if (Object.keys(rest).length > 0) unit.extra = rest;
  return { ok: true, unit };
}

/**
 * The part `[from, to)` of a unit's range as a unit of its own (clamped to the unit),
 * under a fresh id even when it is the whole range: the scripts add the part's pending
 * entry and remove the unit's, so the two must differ. `undefined` when nothing of the
 * unit is in it. Fields a newer kf added come along.
 */
export function sliceUnit(
  unit: WorkUnit,
  from: number,
  to: number,
  attempts = unit.attempts,
): WorkUnit | undefined {
  const start = Math.max(from, unit.offset);
  const end = Math.min(to, unit.offset + unit.len);
  if (start >= end) return undefined;
  return {
    ...unit,
    id: unitId(unit.topic, unit.partition, start),
    offset: start,
    len: end - start,
    attempts,
  };
}
