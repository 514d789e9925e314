import { describe, expect, test } from 'vitest';
import { KafkaErrorCode } from '../src/errors/kafka-error-code.js';
import { KafkaRequestError } from '../src/errors/kafka-request-error.js';
import { NotLeaderError } from '../src/errors/not-leader-error.js';
import { OffsetNotAvailableError } from '../src/errors/offset-not-available-error.js';
import { UnknownTopicPartitionError } from '../src/errors/unknown-topic-partition-error.js';
import { errorFromCode, errorFromThrown } from '../src/kafka/error-mapping.js';
import { type Demand, maxShareOf, type Share, shareRoom } from '../src/organiser/fair-share.js';
import { classifyOffsetsFailure } from '../src/organiser/offsets-failure.js';
import { confirmAhead } from '../src/organiser/reset-ahead.js';
import { startPosition } from '../src/organiser/start-position.js';

const target = { topic: 't', partition: 2, nodeId: 1, operation: 'list offsets of t' };

describe('shareRoom: a tick’s room dealt round-robin', () => {
  const demands = (units: number[], topic = 't'): Demand[] =>
    units.map((u, partition) => ({ topic, partition, units: u }));
  const served = (share: Share) => share.grants.map((g) => `${g.topic}/${g.partition}:${g.units}`);

  test('room smaller than the partition count: the next tick starts after the last served', () => {
    const all = demands([5, 5, 5, 5, 5]);
    const first = shareRoom({ demands: all, room: 2, after: undefined, maxShare: 1 });
    expect(served(first)).toEqual(['t/0:1', 't/1:1']);
    const second = shareRoom({ demands: all, room: 2, after: first.last, maxShare: 1 });
    expect(served(second)).toEqual(['t/2:1', 't/3:1']);
    const third = shareRoom({ demands: all, room: 2, after: second.last, maxShare: 1 });
    expect(served(third)).toEqual(['t/4:1', 't/0:1']);
  });

  test('over ceil(partitions / room) ticks every partition is served, across topics too', () => {
    const all = [...demands([9, 9, 9, 9], 'a'), ...demands([9, 9, 9], 'b')];
    const seen = new Set<string>();
    let after: Share['last'];
    for (let tick = 0; tick < Math.ceil(all.length / 2); tick++) {
      const share = shareRoom({ demands: all, room: 2, after, maxShare: maxShareOf(2) });
      for (const g of share.grants) seen.add(`${g.topic}/${g.partition}`);
      after = share.last;
    }
    expect(seen.size).toBe(all.length);
  });

  test('the demand order does not matter: partitions are dealt by topic, then number', () => {
    const shuffled: Demand[] = [
      { topic: 'b', partition: 0, units: 3 },
      { topic: 'a', partition: 10, units: 3 },
      { topic: 'a', partition: 2, units: 3 },
    ];
    const share = shareRoom({ demands: shuffled, room: 3, after: undefined, maxShare: 3 });
    expect(served(share)).toEqual(['a/2:1', 'a/10:1', 'b/0:1']);
  });

  test('a cursor naming a partition that is gone resumes at the next one in order', () => {
    const share = shareRoom({
      demands: demands([1, 1, 1, 1]).filter((d) => d.partition !== 1),
      room: 1,
      after: { topic: 't', partition: 1 },
      maxShare: 1,
    });
    expect(served(share)).toEqual(['t/2:1']);
  });

  test('partitions with nothing to schedule are passed over', () => {
    const share = shareRoom({
      demands: demands([0, 4, 0, 1]),
      room: 10,
      after: undefined,
      maxShare: 5,
    });
    expect(served(share)).toEqual(['t/1:4', 't/3:1']);
  });

  test('one partition’s share is capped: a lone backlog takes half the room, never all', () => {
    expect(maxShareOf(1_000)).toBe(500);
    expect(maxShareOf(3)).toBe(2);
    expect(maxShareOf(1)).toBe(1);
    const lone = shareRoom({
      demands: demands([10_000]),
      room: 1_000,
      after: undefined,
      maxShare: maxShareOf(1_000),
    });
    expect(served(lone)).toEqual(['t/0:500']);
  });

  test('room is shared evenly between backlogs, the rest in turn from the cursor', () => {
    const share = shareRoom({
      demands: demands([100, 100, 2]),
      room: 11,
      after: { topic: 't', partition: 0 },
      maxShare: maxShareOf(11),
    });
    // Rounds of one each: p1, p2, p0, p1, p2, p0, then p2 has had its 2: p1, p0, ...
    expect(served(share)).toEqual(['t/1:5', 't/2:2', 't/0:4']);
    expect(share.grants.reduce((sum, g) => sum + g.units, 0)).toBe(11);
    expect(share.last).toEqual({ topic: 't', partition: 1 });
  });
});

describe('confirmAhead: a reset-ahead needs a second, refreshed look', () => {
  const look = (saved: number, latest: number, earliest = 0) => ({ saved, earliest, latest });

  test('the first sighting only asks for a later, refreshed look', () => {
    expect(confirmAhead(undefined, look(1_000, 5), false)).toEqual({
      kind: 'confirm',
      sighting: look(1_000, 5),
    });
  });

  test('still above the log end on the second look: reset where a new group starts, saying what is left out', () => {
    expect(confirmAhead(look(1_000, 5), look(1_000, 5), false)).toEqual({
      kind: 'reset',
      offset: 5,
      saved: 1_000,
      skipped: { from: 0, to: 5 },
    });
    expect(confirmAhead(look(1_000, 5), look(1_000, 5), true)).toEqual({
      kind: 'reset',
      offset: 0,
      saved: 1_000,
    });
  });

  test('a log end that moved but is still below the saved offset confirms: a written topic is not left waiting', () => {
    expect(confirmAhead(look(1_000, 5), look(1_000, 8, 2), false)).toEqual({
      kind: 'reset',
      offset: 8,
      saved: 1_000,
      skipped: { from: 2, to: 8 },
    });
  });

  test('a log end that caught up is no reset: the answer was trailing', () => {
    expect(confirmAhead(look(1_000, 5), look(1_000, 1_000), false)).toEqual({
      kind: 'confirm',
      sighting: look(1_000, 1_000),
    });
  });

  test('a saved offset that changed meanwhile starts the confirmation over', () => {
    expect(confirmAhead(look(900, 5), look(1_000, 5), false)).toEqual({
      kind: 'confirm',
      sighting: look(1_000, 5),
    });
  });
});

describe('startPosition of a partition added after the group started', () => {
  const base = { earliest: 0, latest: 50, resetAheadOffsets: true };

  test('with other partitions of its topic saved, it starts at its earliest whatever useEarliest says', () => {
    for (const useEarliest of [false, true]) {
      expect(
        startPosition({ ...base, saved: undefined, useEarliest, otherPartitionsSaved: true }),
      ).toEqual({ kind: 'added', offset: 0 });
    }
  });

  test('a topic new to the group still starts where useEarliest says', () => {
    expect(
      startPosition({ ...base, saved: undefined, useEarliest: false, otherPartitionsSaved: false }),
    ).toEqual({ kind: 'initial', offset: 50 });
  });
});

describe('offsets failures the organiser rides out', () => {
  test('Kafka error 78 (OFFSET_NOT_AVAILABLE) is a typed error, and the organiser asks again', () => {
    const mapped = errorFromCode(78, target);
    expect(mapped).toBeInstanceOf(OffsetNotAvailableError);
    expect(mapped).toMatchObject({
      code: KafkaErrorCode.OffsetNotAvailable,
      topic: 't',
      partition: 2,
      kafkaErrorCode: 78,
    });
    // As kafkajs throws it from a ListOffsets response.
    const thrown = errorFromThrown(
      { name: 'KafkaJSProtocolError', type: 'OFFSET_NOT_AVAILABLE', code: 78 },
      target,
    );
    expect(thrown).toBeInstanceOf(OffsetNotAvailableError);
    expect(classifyOffsetsFailure(mapped)).toBe('ask-again');
  });

  test('each kind of failure gets its own handling', () => {
    expect(classifyOffsetsFailure(new NotLeaderError('t', 0, 'not-leader', 1))).toBe(
      'leader-moved',
    );
    expect(classifyOffsetsFailure(new UnknownTopicPartitionError('t', undefined))).toBe(
      'topic-missing',
    );
    expect(
      classifyOffsetsFailure(
        new KafkaRequestError('list offsets of t', 29, 'TOPIC_AUTHORIZATION_FAILED'),
      ),
    ).toBe('failed');
    expect(classifyOffsetsFailure(new Error('socket hang up'))).toBe('failed');
  });
});
