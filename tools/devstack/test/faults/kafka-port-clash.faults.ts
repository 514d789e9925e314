import { afterAll, describe, expect, test } from 'vitest';
import { type KafkaService, startKafka } from '../../src/index.js';
import { FORMAT_TIMEOUT_MS, READY_TIMEOUT_MS } from '../../src/kafka/cluster.js';
import { stopAndExpectGone } from '../support/expect-stopped.js';
import { type PortThief, takePickedPorts } from '../support/take-picked-ports.js';

/**
 * A test's limit: the bounds `startKafka` holds each attempt to (a storage format, then
 * the brokers ready or one exiting), for the failed attempt and the one that goes
 * through, and 30 s to stop. A start slow but within those bounds (past 60 s for three
 * brokers was seen at load 13) is not a failure of this test.
 */
const START_TWICE_MS = 2 * (FORMAT_TIMEOUT_MS + READY_TIMEOUT_MS) + 30_000;

// Kafka started the hard way: another process takes a port of the first pick during the
// storage format, and the start must go through on new ports. Each start costs a failed
// attempt on top of a normal one (30 to 50 s for three brokers on two cores), so these
// run with the fault scenarios (`pnpm test:faults`); the Redis kinds' clashes, seconds
// each, run in every `pnpm test`.
describe('Kafka started while another process takes a port it picked', {
  timeout: START_TWICE_MS,
}, () => {
  const started: Array<{ kafka?: KafkaService; thief?: PortThief }> = [];
  afterAll(async () => {
    for (const s of started) {
      await s.kafka?.stop();
      await s.thief?.release();
    }
  });

  /**
   * Starts Kafka while a thief takes port `taken` (an index into the pick) of its first
   * pick. Both are stopped after all tests, whatever a test got to.
   */
  async function startWhileTaking(
    brokers: 1 | 3,
    taken: number,
  ): Promise<{ kafka: KafkaService; thief: PortThief }> {
    const thief = takePickedPorts((ports, pick) => (pick === 1 ? [ports[taken] as number] : []));
    const entry: { kafka?: KafkaService; thief?: PortThief } = { thief };
    started.push(entry);
    try {
      entry.kafka = await startKafka({ brokers });
    } finally {
      thief.stopTaking();
    }
    return { kafka: entry.kafka, thief };
  }

  test('one broker: started on new ports after the controller port it picked first was taken', async () => {
    // The controller's port: a broker binds it about 2 s after its JVM starts, while it
    // binds its listener (the port picked first) only once all else started, 10 s or
    // more; both failures are the same log line, so the cheaper one is tested.
    const { kafka, thief } = await startWhileTaking(1, 1);
    expect(thief.picks).toHaveLength(2);
    expect(thief.taken).toEqual([thief.picks[0]?.[1]]);
    const [node] = kafka.info.nodes;
    expect([node?.port, node?.controllerPort]).toEqual(thief.picks[1]);
    expect(thief.holding()).toEqual(thief.taken);
    await stopAndExpectGone(kafka);
  });

  test('three brokers: one fails to bind, the two others are stopped, the second attempt goes through', async () => {
    // Broker 3's controller port (the last picked), as above: it fails in seconds.
    const { kafka, thief } = await startWhileTaking(3, 5);
    expect(thief.picks).toHaveLength(2);
    expect(thief.taken).toEqual([thief.picks[0]?.[5]]);
    const ports = kafka.info.nodes.flatMap((n) => [n.port, n.controllerPort]).sort();
    expect(ports).toEqual(thief.picks[1]?.slice().sort());
    expect(thief.holding()).toEqual(thief.taken);
    await stopAndExpectGone(kafka);
  });
});
