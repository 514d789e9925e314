import type { Counter, Histogram } from '@opentelemetry/api';
import type { KafkaRecord } from '../kafka/kafka-access.js';
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
    latency: Histogram;
    attributes: PartitionAttributes;
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
    deliver(records, context) {
      return delivery.deliver(records, {
        ...context,
        calls,
        ...(handed === undefined ? {} : { handing: countHanded(records, context, handed) }),
      });
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
 * The context's `handing`, counting the records of each range handed and recording
 * their age. Ranges come in offset order, so one cursor walks the records once.
 */
function countHanded(
  records: readonly KafkaRecord[],
  context: DeliveryContext,
  handed: NonNullable<DeliveryInstruments['handed']>,
): DeliveryContext['handing'] {
  const attributes = handed.attributes.of(context.unit.topic, context.unit.partition);
  let cursor = 0;
  return (from, to) => {
    const now = Date.now();
    let count = 0;
    for (; cursor < records.length; cursor++) {
      const record = records[cursor] as KafkaRecord;
      if (record.offset < from) continue;
      if (record.offset >= to) break;
      count += 1;
      // A producer's clock ahead of this host's would make it negative, which a
      // histogram does not take.
      handed.latency.record(Math.max(0, now - record.timestamp) / 1_000, attributes);
    }
    if (count > 0) handed.consumed.add(count, attributes);
    context.handing(from, to);
  };
}
