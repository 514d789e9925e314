import type { KafkaRecord } from '@kf/protocol';
import type { EachBatchPayload, EachMessagePayload } from './message.js';
import { toMessage } from './message.js';
import type { Delivery, DeliveryContext } from './run-unit.js';

/** One message at a time; a closing node stops between two messages. */
export function eachMessageDelivery(
  eachMessage: (payload: EachMessagePayload) => Promise<void>,
): Delivery {
  return {
    async deliver(records: KafkaRecord[], context: DeliveryContext) {
      const { unit, signal } = context;
      for (const record of records) {
        if (context.stopping()) return record.offset;
        const message = toMessage(unit, record);
        context.handing(record.offset, record.offset + 1);
        const payload = { message, unit, signal };
        const { calls } = context;
        await context.race(
          calls ? calls.message(unit, record, () => eachMessage(payload)) : eachMessage(payload),
        );
        context.processed(record.offset + 1);
      }
      return lastOffset(records) + 1;
    },
  };
}

/** Each fetched batch at once; a closing node stops between two batches. */
export function eachBatchDelivery(
  eachBatch: (payload: EachBatchPayload) => Promise<void>,
): Delivery {
  return {
    async deliver(records: KafkaRecord[], context: DeliveryContext) {
      const { unit, signal } = context;
      const first = records[0];
      if (first === undefined) return unit.offset;
      if (context.stopping()) return first.offset;
      const messages = records.map((r) => toMessage(unit, r));
      const batch = {
        topic: unit.topic,
        partition: unit.partition,
        messages,
        redelivered: unit.redelivered,
      };
      context.handing(first.offset, lastOffset(records) + 1);
      const payload = { batch, unit, signal };
      const { calls } = context;
      await context.race(
        calls ? calls.batch(unit, records, () => eachBatch(payload)) : eachBatch(payload),
      );
      return lastOffset(records) + 1;
    },
  };
}

function lastOffset(records: KafkaRecord[]): number {
  const last = records.at(-1);
  if (last === undefined) throw new RangeError('deliver() was given no records');
  return last.offset;
}
