import { createTopic } from '@kf/devstack';
import { afterEach, describe, expect, inject, test, vi } from 'vitest';
import { createKafkaAccess, type KafkaAccess } from '../src/index.js';

/** How long the access is watched while it has nothing to do. */
const IDLE_MS = 300;

describe('a Kafka access between requests', () => {
  let access: KafkaAccess | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await access?.close();
  });

  // kafkajs 2.2.4's request queue, once a request is answered, schedules a check of its
  // pending requests with `throttledUntil - Date.now()` (-1 - now when nothing throttles)
  // and schedules it again from that check: a timer every millisecond on every
  // connection for as long as it is open, and on Node 24 and later a
  // TimeoutNegativeWarning on the user's stderr.
  test('sets no timers: no check of pending requests every millisecond, no negative delays', async () => {
    const { brokers } = inject('sharedKafka');
    const topic = 'idle-timers';
    await createTopic(brokers, { topic, partitions: 2 });
    access = createKafkaAccess({ brokers, clientId: 'kf-idle-timers-test' });
    // Every kind of request a node makes of a broker, on both of its connections.
    await access.metadata([topic]);
    await access.offsets(topic);
    await access.fetch({
      topic,
      partition: 0,
      offset: 0,
      maxBytes: 1_024,
      maxWaitMs: 0,
      isolation: 'read_committed',
    });

    const delays: number[] = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      handler: () => void,
      delay?: number,
    ) => {
      delays.push(Number(delay ?? 0));
      return realSetTimeout(handler, delay);
    }) as typeof setTimeout);
    await new Promise<void>((resolve) => realSetTimeout(resolve, IDLE_MS));
    vi.restoreAllMocks();

    expect(delays.filter((delay) => delay < 1)).toEqual([]);
    // Nothing is due while idle: a timer every millisecond would be about IDLE_MS of them.
    expect(delays.length).toBeLessThan(IDLE_MS / 30);
  });
});

const realSetTimeout = globalThis.setTimeout;
