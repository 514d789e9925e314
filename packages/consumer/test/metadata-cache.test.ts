import { describe, expect, test } from 'vitest';
import type { KafkajsMetadata } from '../src/kafka/kafkajs-internals.js';
import { MetadataCache } from '../src/kafka/metadata-cache.js';

const unknown = Object.assign(new Error('This server does not host this topic-partition'), {
  type: 'UNKNOWN_TOPIC_OR_PARTITION',
});
const isUnknownTopic = (error: unknown) => error === unknown;

function answer(topics: string[], partitions = 1): KafkajsMetadata {
  return {
    brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }],
    topicMetadata: topics.map((topic) => ({
      topic,
      topicErrorCode: 0,
      partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        partitionErrorCode: 0,
        leader: 1,
        replicas: [1],
        isr: [1],
      })),
    })),
  };
}

describe('MetadataCache: per topic, one reload at a time', () => {
  test("one topic's failed reload reaches only the callers that asked for it", async () => {
    const asked: string[][] = [];
    const cache = new MetadataCache(async (topics) => {
      asked.push(topics);
      if (topics.includes('gone')) throw unknown;
      return answer(topics);
    }, isUnknownTopic);
    const [gone, kept] = await Promise.allSettled([
      cache.refresh(['gone']),
      cache.refresh(['kept']),
    ]);
    expect(gone.status).toBe('rejected');
    expect(kept.status).toBe('fulfilled');
    expect(asked).toEqual([['gone'], ['kept']]);
  });

  test('callers asking for the same topics meanwhile share one reload', async () => {
    let loads = 0;
    const cache = new MetadataCache(async (topics) => {
      loads += 1;
      return answer(topics);
    }, isUnknownTopic);
    await Promise.all([cache.refresh(['a']), cache.refresh(['a']), cache.refresh(['a'])]);
    expect(loads).toBe(1);
  });

  test('answers are merged per topic, and a topic found deleted leaves the cache', async () => {
    let partitions = 2;
    let deleted = false;
    const cache = new MetadataCache(async (topics) => {
      if (deleted && topics.includes('b')) throw unknown;
      return answer(topics, partitions);
    }, isUnknownTopic);
    await cache.refresh(['a']);
    await cache.refresh(['b']);
    expect(cache.cached(['a', 'b'])?.topicMetadata.map((t) => t.topic)).toEqual(['a', 'b']);
    partitions = 4;
    await cache.refresh(['a']);
    expect(cache.cached(['a'])?.topicMetadata[0]?.partitionMetadata).toHaveLength(4);
    deleted = true;
    await expect(cache.refresh(['b'])).rejects.toBe(unknown);
    expect(cache.cached(['b'])).toBeUndefined();
    expect(cache.cached(['a'])).toBeDefined();
  });

  test('leaders are looked up from the last answer loaded, and leave with a deleted topic', async () => {
    let leader = 1;
    let deleted = false;
    const cache = new MetadataCache(async (topics) => {
      if (deleted) throw unknown;
      const loaded = answer(topics, 2);
      for (const p of loaded.topicMetadata[0]?.partitionMetadata ?? []) p.leader = leader;
      return loaded;
    }, isUnknownTopic);
    expect(cache.leader('a', 0)).toBeUndefined();
    await cache.refresh(['a']);
    expect([cache.leader('a', 0), cache.leader('a', 1), cache.leader('a', 2)]).toEqual([
      1,
      1,
      undefined,
    ]);
    leader = -1;
    await cache.refresh(['a']);
    expect(cache.leader('a', 1)).toBe(-1);
    deleted = true;
    await expect(cache.refresh(['a'])).rejects.toBe(unknown);
    expect(cache.leader('a', 0)).toBeUndefined();
  });
});
