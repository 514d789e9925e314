import { describe, expect, test } from 'vitest';
import { renderRequeue } from '../src/commands/errors.js';

describe('kf errors requeue: what it says', () => {
  test('entries left listed are counted with the reason, never dropped from the report', () => {
    expect(renderRequeue({ requeued: 3, partitionBusy: 0, unreadable: 0 })).toBe(
      'requeued 3 entries',
    );
    const lines = renderRequeue({ requeued: 1, partitionBusy: 2, unreadable: 1 }).split('\n');
    expect(lines[0]).toBe('requeued 1 entry');
    expect(lines[1]).toMatch(/^2 entries stayed listed: the group orders by partition/);
    expect(lines[2]).toBe('1 malformed unit stayed listed: this kf cannot read it either');
  });
});
