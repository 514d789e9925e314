import type { KafkaRecord } from '@kf/protocol';
import type { Counter, Histogram } from '@opentelemetry/api';
import type { UnitInfo } from '../worker/message.js';
import type { Delivery, DeliveryContext } from '../worker/run-unit.js';
import type { PartitionAttributes } from './partition-attributes.js';
import type { ProcessCalls } from './process-calls.js';
import { Attr, errorType } from './semconv.js';

export interface DeliveryInstruments {
  /** Spans and timing around each call of user code (`run()` only: a loop is not a call). */
  calls: ProcessCalls;
  /** Messages handed to user code and their age then, in every mode; absent without metrics. */
  handed?: {
    consumed: Counter;
    consumedAttributes: PartitionAttributes;
    latency: Histogram;
    latencyAttributes: PartitionAttributes;
  };
  /** Each fetch's duration; absent without metrics. */
  fetches?: {
    duration: Histogram;
    attributes: PartitionAttributes;
  };
}

/** `delivery`, with what it hands to user code and each fetch before it recorded. */
export function instrumentDelivery(delivery: Delivery, instruments: DeliveryInstruments): Delivery {
  const { calls, handed, fetches } = instruments;
  return {
    async deliver(records, context) {
      if (handed === undefined) return delivery.deliver(records, { ...context, calls });
      const counting = countHanded(records, context, handed);
      try {
        return await delivery.deliver(records, { ...context, calls, handing: counting.handing });
      } finally {
        counting.flush();
      }
    },
    ...(fetches === undefined
      ? {}
      : {
          fetched(unit: UnitInfo, durationMs: number, error?: unknown) {
            const attributes = fetches.attributes.of(unit.topic, unit.partition);
            fetches.duration.record(
              durationMs / 1_000,
              error === undefined
                ? attributes
                : { ...attributes, [Attr.errorType]: errorType(error) },
            );
          },
        }),
  };
}

/**
 * The context's `handing`, counting the records of each range handed and recording the
 * age of its first (its oldest). Recording costs the SDK an attribute lookup each time,
 * so the count is added once per delivery (`flush`) and the age once per range — per
 * call of user code, as `messaging.process.duration` is. Ranges come in offset order,
 * so one cursor walks the records once.
 */
function countHanded(
  records: readonly KafkaRecord[],
  context: DeliveryContext,
  handed: NonNullable<DeliveryInstruments['handed']>,
): { handing: DeliveryContext['handing']; flush(): void } {
  const { topic, partition } = context.unit;
  let cursor = 0;
  let count = 0;
  return {
    handing(from, to) {
      let first: KafkaRecord | undefined;
      for (; cursor < records.length; cursor++) {
        const record = records[cursor] as KafkaRecord;
        if (record.offset < from) continue;
        if (record.offset >= to) break;
        first ??= record;
        count += 1;
      }
      if (first !== undefined) {
        // A producer's clock ahead of this host's would make it negative, which a
        // histogram does not take.
        handed.latency.record(
          Math.max(0, Date.now() - first.timestamp) / 1_000,
          handed.latencyAttributes.of(topic, partition),
        );
      }
      context.handing(from, to);
    },
    flush() {
      if (count > 0) handed.consumed.add(count, handed.consumedAttributes.of(topic, partition));
      count = 0;
    },
  };
}
