import { describe, expect, test } from 'vitest';
import { decodeUnit, encodeUnit, unitId, type WorkUnit } from '../src/work-unit/work-unit.js';

const unit: WorkUnit = {
  id: 'orders/3/1200',
  topic: 'orders',
  partition: 3,
  offset: 1200,
  len: 500,
  attempts: 0,
  ts: 1_795_000_000_000,
};

describe('work unit encoding', () => {
  test('round-trips, with one byte-identical encoding whatever the key order given', () => {
    const encoded = encodeUnit(unit);
    expect(decodeUnit(encoded)).toEqual({ ok: true, unit });
    const reordered = {
      ts: unit.ts,
      len: unit.len,
      attempts: 0,
      offset: 1200,
      partition: 3,
      topic: 'orders',
      id: unit.id,
    };
    expect(encodeUnit(reordered)).toBe(encoded);
    expect(unitId('orders', 3, 1200)).toBe(unit.id);
  });

  test.each([
    ['not JSON', 'orders/3/1200', 'not JSON'],
    ['an array', '[1,2]', '(root)'],
    ['a missing field', JSON.stringify({ ...unit, len: undefined }), 'len'],
    ['a negative offset', JSON.stringify({ ...unit, offset: -1, id: 'orders/3/-1' }), 'offset'],
    ['a fractional partition', JSON.stringify({ ...unit, partition: 1.5 }), 'partition'],
    ['an empty range', JSON.stringify({ ...unit, len: 0 }), 'len'],
    ['an unknown field', JSON.stringify({ ...unit, priority: 1 }), '(root)'],
    ['an id that does not match its range', JSON.stringify({ ...unit, id: 'orders/3/0' }), 'id'],
    ['an offset given as a string', JSON.stringify({ ...unit, offset: '1200' }), 'offset'],
  ])('a unit with %s is rejected with a reason naming the field', (_, raw, field) => {
    const decoded = decodeUnit(raw);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason.startsWith(field)).toBe(true);
  });
});
