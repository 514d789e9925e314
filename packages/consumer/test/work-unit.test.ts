import { describe, expect, test } from 'vitest';
import {
  decodeUnit,
  encodeUnit,
  sliceUnit,
  unitId,
  type WorkUnit,
} from '../src/work-unit/work-unit.js';

const unit: WorkUnit = {
  id: 'orders/3/1200~5e1f',
  topic: 'orders',
  partition: 3,
  offset: 1200,
  len: 500,
  attempts: 0,
  ts: 1_795_000_000_000,
  redelivered: false,
};

/** A unit as the release before the version field wrote it: no `r`, no `v`, no id suffix. */
const previousRelease =
  '{"id":"orders/3/1200","topic":"orders","partition":3,"offset":1200,"len":500,"attempts":0,"ts":1795000000000}';

describe('work unit encoding', () => {
  test('round-trips, with one byte-identical encoding whatever the key order given', () => {
    const encoded = encodeUnit(unit);
    expect(encoded).toBe(
      '{"r":0,"v":1,"id":"orders/3/1200~5e1f","topic":"orders","partition":3,"offset":1200,"len":500,"attempts":0,"ts":1795000000000}',
    );
    expect(decodeUnit(encoded)).toEqual({ ok: true, unit });
    const reordered = {
      redelivered: false,
      ts: unit.ts,
      len: unit.len,
      attempts: 0,
      offset: 1200,
      partition: 3,
      topic: 'orders',
      id: unit.id,
    };
    expect(encodeUnit(reordered)).toBe(encoded);
  });

  test('the redelivery flag leads the encoding, so a script can set it without parsing JSON', () => {
    const marked = encodeUnit({ ...unit, redelivered: true });
    expect(marked.startsWith('{"r":1,"v":1,"id":')).toBe(true);
    expect(decodeUnit(marked)).toEqual({ ok: true, unit: { ...unit, redelivered: true } });
    expect(decodeUnit(encodeUnit({ ...unit, redelivered: undefined }))).toMatchObject({
      unit: { redelivered: false },
    }); // Scripts raise the count on every hand-back: any count above 0 is a redelivery.
    expect(decodeUnit(`{"r":3,${marked.slice(7)}`)).toMatchObject({ unit: { redelivered: true } });
  });

  test('a unit the previous release wrote (no version, no flag, no id suffix) reads as version 1', () => {
    expect(decodeUnit(previousRelease)).toEqual({
      ok: true,
      unit: { ...unit, id: 'orders/3/1200', redelivered: false },
    });
    // Marked by a script of this release: the flag is put in front of the old encoding.
    expect(decodeUnit(`{"r":1,${previousRelease.slice(1)}`)).toMatchObject({
      ok: true,
      unit: { id: 'orders/3/1200', redelivered: true },
    });
  });

  test('fields a newer version added are kept, in order, through decode, slices and re-encodes', () => {
    const newer = `${encodeUnit(unit).slice(0, -1)},"priority":"high","trace":{"a":[1,2]}}`;
    const decoded = decodeUnit(newer);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.unit.extra).toEqual({ priority: 'high', trace: { a: [1, 2] } });
    expect(encodeUnit(decoded.unit)).toBe(newer);
    const rest = sliceUnit(decoded.unit, 1300, 1700, 1);
    expect(rest).toBeDefined();
    const restEncoded = encodeUnit(rest as WorkUnit);
    expect(
      restEncoded.endsWith(
        ',"attempts":1,"ts":1795000000000,"priority":"high","trace":{"a":[1,2]}}',
      ),
    ).toBe(true);
    expect(decodeUnit(restEncoded)).toMatchObject({ ok: true, unit: { offset: 1300, len: 400 } });
  });

  test('an extra field cannot override a known one in the encoding', () => {
    const sneaky = { ...unit, extra: { offset: 5, r: 1, colour: 'red' } };
    expect(encodeUnit(sneaky)).toBe(`${encodeUnit(unit).slice(0, -1)},"colour":"red"}`);
  });

  test('records a unit carries round-trip, stay with its slices, and are written after the known fields', () => {
    const carrying: WorkUnit = {
      ...unit,
      records: {
        from: 1190,
        isolation: 'read_committed',
        data: Buffer.from('batches').toString('base64'),
        aborted: [['7', '1195']],
      },
    };
    const encoded = encodeUnit(carrying);
    expect(
      encoded.endsWith(
        ',"ts":1795000000000,"rec":{"f":1190,"i":1,"b":"YmF0Y2hlcw==","a":[["7","1195"]]}}',
      ),
    ).toBe(true);
    expect(decodeUnit(encoded)).toEqual({ ok: true, unit: carrying });
    // No aborted transactions: the list is left out, and reads back empty.
    const plain = {
      ...carrying,
      records: { ...carrying.records, isolation: 'read_uncommitted', aborted: [] },
    } as WorkUnit;
    expect(encodeUnit(plain)).toContain('"rec":{"f":1190,"i":0,"b":"YmF0Y2hlcw=="}');
    expect(decodeUnit(encodeUnit(plain))).toEqual({ ok: true, unit: plain });
    // A remainder starts at or above the unit, so the records still cover it.
    expect(sliceUnit(carrying, 1300, 1700)?.records).toEqual(carrying.records);
    // Fields a newer kf adds inside `rec` are kept and written back, as the unit's own are.
    const newer = encoded.replace('"a":[["7","1195"]]}', '"a":[["7","1195"]],"z":[1]}');
    const decoded = decodeUnit(newer);
    expect(decoded).toMatchObject({ ok: true, unit: { records: { extra: { z: [1] } } } });
    if (decoded.ok) expect(encodeUnit(decoded.unit)).toBe(newer);
  });

  test.each([
    ['data that is not base64', { f: 1190, i: 0, b: 'not base64!' }, 'rec.b'],
    ['a negative start', { f: -1, i: 0, b: '' }, 'rec.f'],
    ['no isolation', { f: 0, b: '' }, 'rec.i'],
    [
      'an aborted transaction with a non-numeric offset',
      { f: 0, i: 1, b: '', a: [['7', 'x']] },
      'rec.a',
    ],
    ['a string for an object', 'batches', 'rec'],
  ])(
    'carried records with %s are left out, with the reason, and the unit still reads',
    (_, rec, field) => {
      const decoded = decodeUnit(JSON.stringify({ ...unit, rec }));
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) return;
      expect(decoded.unit.records).toBeUndefined();
      expect(decoded.unit.unreadableRecords?.startsWith(field)).toBe(true);
      // Left out for good: a re-encode (a retry, a remainder) no longer carries them.
      expect(encodeUnit(decoded.unit)).not.toContain('"rec"');
    },
  );

  test('every id made is unique, even for the same start offset, and names its range', () => {
    const ids = Array.from({ length: 1_000 }, () => unitId('orders', 3, 1200));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^orders\/3\/1200~[0-9a-z]+$/);
    const rest = sliceUnit(unit, 1200, 1300);
    expect(rest?.id).not.toBe(unit.id);
    expect(rest?.id).toMatch(/^orders\/3\/1200~/);
    expect(decodeUnit(encodeUnit({ ...unit, id: unitId('orders', 3, 1200) })).ok).toBe(true);
  });

  test.each([
    ['not JSON', 'orders/3/1200', 'not JSON'],
    ['an array', '[1,2]', '(root)'],
    ['a missing field', JSON.stringify({ ...unit, len: undefined }), 'len'],
    ['a negative offset', JSON.stringify({ ...unit, offset: -1, id: 'orders/3/-1' }), 'offset'],
    ['a fractional partition', JSON.stringify({ ...unit, partition: 1.5 }), 'partition'],
    ['an empty range', JSON.stringify({ ...unit, len: 0 }), 'len'],
    ['an id that does not match its range', JSON.stringify({ ...unit, id: 'orders/3/0' }), 'id'],
    [
      'an id of another range with a suffix',
      JSON.stringify({ ...unit, id: 'orders/3/12~a' }),
      'id',
    ],
    ['an id with an empty suffix', JSON.stringify({ ...unit, id: 'orders/3/1200~' }), 'id'],
    ['an offset given as a string', JSON.stringify({ ...unit, offset: '1200' }), 'offset'],
    ['a format version this release does not read', JSON.stringify({ v: 2, ...unit }), 'v'],
    ['a redelivery count that is negative', JSON.stringify({ r: -1, ...unit }), 'r'],
  ])('a unit with %s is rejected with a reason naming the field', (_, raw, field) => {
    const decoded = decodeUnit(raw);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason.startsWith(field)).toBe(true);
  });
});
