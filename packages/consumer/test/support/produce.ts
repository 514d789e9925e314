import type { Producer } from 'kafkajs';

/**
 * Produces `count` messages spread round-robin over `partitions`, each value `prefix-i`
 * so a consumer can tell exactly which ids arrived, in batches of 500.
 */
export async function produceIds(
  producer: Producer,
  topic: string,
  options: { count: number; partitions: number; prefix?: string; start?: number },
): Promise<string[]> {
  const prefix = options.prefix ?? topic;
  const start = options.start ?? 0;
  const ids: string[] = [];
  for (let from = 0; from < options.count; from += 500) {
    const messages = [];
    for (let i = from; i < Math.min(options.count, from + 500); i++) {
      const id = `${prefix}-${start + i}`;
      ids.push(id);
      messages.push({ partition: (start + i) % options.partitions, key: id, value: id });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  return ids;
}

/** How many times each id was seen, and the ids seen more than once. */
export function tally(seen: readonly string[]): {
  counts: Map<string, number>;
  duplicates: number;
} {
  const counts = new Map<string, number>();
  for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
  let duplicates = 0;
  for (const n of counts.values()) duplicates += n - 1;
  return { counts, duplicates };
}

/** Polls `condition` until it holds (a wrapper over devstack's `waitUntil`). */
export async function until(
  waitUntil: (
    probe: () => Promise<true | undefined>,
    o: { what: string; timeoutMs: number; intervalMs?: number },
  ) => Promise<true>,
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  await waitUntil(async () => ((await condition()) ? true : undefined), {
    what,
    timeoutMs,
    intervalMs: 20,
  });
}

/**
 * Produces ids `prefix-0`, `prefix-1`, … at about `rate` a second, in sends every 50 ms,
 * until `stop()`, which resolves with every id produced.
 */
export function produceInBackground(
  producer: import('kafkajs').Producer,
  topic: string,
  options: { rate: number; partitions: number; prefix?: string },
): { stop(): Promise<string[]>; produced(): number } {
  const prefix = options.prefix ?? topic;
  const ids: string[] = [];
  let stopped = false;
  const started = Date.now();
  const loop = (async () => {
    while (!stopped) {
      const due = Math.floor(((Date.now() - started) / 1_000) * options.rate) - ids.length;
      if (due > 0) {
        const messages = Array.from({ length: due }, (_, i) => {
          const n = ids.length + i;
          return {
            partition: n % options.partitions,
            key: `${prefix}-${n}`,
            value: `${prefix}-${n}`,
          };
        });
        try {
          await producer.send({ topic, acks: -1, messages });
          for (const m of messages) ids.push(m.value);
        } catch {
          // A send refused during a broker fail-over is sent again with the next round:
          // only acknowledged ids count as produced, so the tally stays exact.
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    produced: () => ids.length,
    async stop() {
      stopped = true;
      await loop;
      return ids;
    },
  };
}
