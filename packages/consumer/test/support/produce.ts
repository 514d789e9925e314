import type { Producer } from 'kafkajs';

/**
 * Produces `count` messages spread round-robin over `partitions`, each value `prefix-i`
 * so a consumer can tell exactly which ids arrived, in batches of 500. Resolves with
 * exactly `count` ids, every one acknowledged, or throws the send's error.
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
    // acks -1: resolved only once every in-sync replica has the batch; a refused send
    // throws, so a test never counts ids that were not written.
    const written = await producer.send({ topic, acks: -1, messages });
    const refused = written.filter((r) => r.errorCode !== 0);
    if (refused.length > 0)
      throw new Error(`producing to ${topic} was refused: ${JSON.stringify(refused)}`);
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

/**
 * Polls `condition` until it holds (a wrapper over devstack's `waitUntil`). The default
 * bound, 30 s, is for waits that make no timing claim: it only ends a failing test. A
 * wait that checks a timing claim passes a bound derived from the configuration.
 */
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
 * The ids of `expected` that `seen` lacks, and the ids `seen` holds that `expected` does
 * not: a delivery check compares sets, never counts (one extra id would hide one missing).
 */
export function compareIds(
  expected: Iterable<string>,
  seen: Iterable<string>,
): { missing: string[]; extra: string[] } {
  const want = new Set(expected);
  const got = new Set(seen);
  return {
    missing: [...want].filter((id) => !got.has(id)),
    extra: [...got].filter((id) => !want.has(id)),
  };
}

/**
 * Ids `prefix-n` written as runs of consecutive `n` (`t-3..7, t-12`), so a report can
 * name every id exactly without thousands of entries.
 */
export function idRuns(ids: readonly string[]): string {
  const parsed = ids
    .map((id) => /^(.*)-(\d+)$/.exec(id))
    .map((m, i) =>
      m ? { prefix: m[1] as string, n: Number(m[2]) } : { prefix: ids[i] as string, n: Number.NaN },
    )
    .sort((a, b) => a.prefix.localeCompare(b.prefix) || a.n - b.n);
  const runs: string[] = [];
  for (let i = 0; i < parsed.length; ) {
    const first = parsed[i] as { prefix: string; n: number };
    let j = i;
    while (
      j + 1 < parsed.length &&
      parsed[j + 1]?.prefix === first.prefix &&
      parsed[j + 1]?.n === (parsed[j]?.n ?? 0) + 1
    )
      j += 1;
    const last = parsed[j] as { n: number };
    if (Number.isNaN(first.n)) runs.push(first.prefix);
    else
      runs.push(j === i ? `${first.prefix}-${first.n}` : `${first.prefix}-${first.n}..${last.n}`);
    i = j + 1;
  }
  return runs.join(', ');
}

export interface BackgroundProduction {
  /**
   * Stops producing and resolves with every id the brokers acknowledged; rejects with
   * the send error that stopped production, if one did.
   */
  stop(): Promise<string[]>;
  /** Ids acknowledged so far. */
  produced(): number;
  /** The send error that stopped production (unless sends are retried), once one did. */
  failure(): Error | undefined;
  /** Sends refused and sent again, with `retryRefusedSends`. */
  refused(): number;
}

/**
 * Produces ids `prefix-0`, `prefix-1`, … at about `rate` a second, in sends every 50 ms,
 * until `stop()`. A send that fails stops production, and `stop()` rejects with its
 * error: a test must not pass on what it never produced. Only a scenario that fails Kafka
 * itself over passes `retryRefusedSends`: a refused send is then sent again with the next
 * round, and only acknowledged ids count as produced, so the tally stays exact.
 */
export function produceInBackground(
  producer: import('kafkajs').Producer,
  topic: string,
  options: { rate: number; partitions: number; prefix?: string; retryRefusedSends?: boolean },
): BackgroundProduction {
  const prefix = options.prefix ?? topic;
  const ids: string[] = [];
  let stopped = false;
  let failure: Error | undefined;
  let refused = 0;
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
        } catch (error) {
          const range = `${messages[0]?.value}..${messages.at(-1)?.value}`;
          if (options.retryRefusedSends !== true) {
            failure = new Error(
              `producing to ${topic} stopped: the send of ${range} failed: ${error}`,
              {
                cause: error,
              },
            );
            return;
          }
          refused += 1;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let stopping: Promise<string[]> | undefined;
  return {
    produced: () => ids.length,
    failure: () => failure,
    refused: () => refused,
    stop() {
      stopped = true;
      stopping ??= loop.then(() => {
        if (failure !== undefined) throw failure;
        return ids;
      });
      return stopping;
    },
  };
}
