import { isKafkaAccessError, KafkaErrorCode, NotLeaderError } from '../../index.js';
import type { FetchResult } from '../../kafka/kafka-access.js';
import { rejectionOf } from '../../testkit/context.js';
import { type KafkaCase, readRange, text, waitFor } from '../context.js';
import type { FailoverFixture } from '../fixture.js';

/**
 * The case's time: the topic's creation (its leaders within 30 s), the broker's exit
 * (10 s), a new leader (45 s), and reading 300 records, with room for a loaded machine.
 */
const FAILOVER_TIMEOUT_MS = 120_000;

export const failoverCases: KafkaCase<FailoverFixture>[] = [
  {
    name: 'kill -9 of the leader: the port reports not-leader, and after a metadata refresh reads everything from the new leader',
    timeoutMs: FAILOVER_TIMEOUT_MS,
    async run({ access, expect, fixture, name }) {
      const topic = name('failover');
      const produced = Array.from({ length: 300 }, (_, i) => `m-${i}`);
      await fixture.createTopic({ topic, replicationFactor: 3 });
      for (let i = 0; i < produced.length; i += 50) {
        await fixture.produce(
          topic,
          0,
          produced.slice(i, i + 50).map((value) => ({ value })),
        );
      }

      const before = await access.metadata([topic]);
      const oldLeader = before.topics[0]?.partitions[0]?.leader ?? -1;
      expect(fixture.nodeIds).toContain(oldLeader);
      expect((await access.offsets(topic))[0]).toEqual({ partition: 0, earliest: 0, latest: 300 });

      // The fixture's kill resolves once the process has exited (its own bound, 10 s in
      // kf's run).
      await fixture.killBroker(oldLeader);

      // The cached metadata still names the dead broker: the fetch fails with a typed error.
      const request = {
        topic,
        partition: 0,
        offset: 0,
        maxBytes: 64 * 1024,
        maxWaitMs: 100,
        isolation: 'read_committed' as const,
      };
      const failure = await rejectionOf(access.fetch(request));
      expect(failure).toBeInstanceOf(NotLeaderError);
      expect(failure).toMatchObject({ topic, partition: 0 });
      expect(isKafkaAccessError(failure, KafkaErrorCode.NotLeader)).toBe(true);
      expect((failure as NotLeaderError).nodeId).toBe(oldLeader);

      // What a worker does: refresh the metadata and retry until a new leader serves it.
      // Kafka elects one within its controller's session timeouts, seconds; 45 s only
      // ends a failing case.
      const first = await waitFor<FetchResult>(
        'a fetch from the new leader',
        45_000,
        async () => {
          try {
            await access.refreshMetadata([topic]);
            return await access.fetch(request);
          } catch (error) {
            if (error instanceof NotLeaderError) return undefined; // not elected yet: retry
            throw error;
          }
        },
        250,
      );
      expect(first.records[0]?.offset).toBe(0);
      const after = await access.metadata([topic]);
      const newLeader = after.topics[0]?.partitions[0]?.leader;
      expect(newLeader).not.toBe(oldLeader);
      expect(fixture.nodeIds).toContain(newLeader);

      // Nothing acknowledged with acks=-1 and min.insync.replicas=2 is lost.
      const read = await readRange(
        access,
        { topic, partition: 0, offset: 0, len: produced.length },
        { maxBytes: 4096, isolation: 'read_committed' },
      );
      expect(read.records.map((r) => text(r.value))).toEqual(produced);
      expect(read.records.map((r) => r.offset)).toEqual(produced.map((_, i) => i));
    },
  },
];
