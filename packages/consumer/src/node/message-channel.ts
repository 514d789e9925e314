import type { KafkaRecord } from '@kf/protocol';
import { type KfMessage, toMessage } from '../worker/message.js';
import type { Delivery, DeliveryContext } from '../worker/run-unit.js';

interface Offered {
  message: KfMessage;
  /** The reader took the message: user code holds it from now. */
  take(): void;
  /** `true` once the reader moved past the message; `false` when it was never taken. */
  settle(taken: boolean): void;
}

/** An offered message: when a reader took it (or the channel closed first), and done. */
interface Offer {
  /** `true` when a reader took it; `false` when the channel closed before. */
  handed: Promise<boolean>;
  /** `true` once the reader moved past it. */
  done: Promise<boolean>;
}

/**
 * Hands messages from the workers to a `for await` loop, one at a time. A message
 * counts as processed only when the reader asks for the next one (or leaves the loop),
 * so a unit completes only after the reader moved past its last message.
 */
export class MessageChannel implements Delivery {
  private readonly offered: Offered[] = [];
  private readonly readers: Array<(result: IteratorResult<KfMessage>) => void> = [];
  private current: Offered | undefined;
  private closed = false;

  async deliver(records: KafkaRecord[], context: DeliveryContext): Promise<number> {
    const { unit } = context;
    for (const record of records) {
      if (context.stopping() || this.closed) return record.offset;
      const offer = this.offer(toMessage(unit, record), context.signal);
      // Waiting for the reader is not user code's time: a message queued behind other
      // units' messages has not reached it, and must not time out, nor be the one a
      // failed attempt blames. The limit runs from when the reader took it.
      if (!(await offer.handed)) return record.offset;
      context.handing(record.offset, record.offset + 1);
      // With telemetry, the time from the reader taking the message to asking for the
      // next one is its `process` span and duration.
      let taken = false;
      const moved = async () => {
        taken = await offer.done;
      };
      await context.race(context.calls ? context.calls.message(unit, record, moved) : moved());
      if (!taken) return record.offset;
      context.processed(record.offset + 1);
    }
    const last = records.at(-1);
    return last === undefined ? unit.offset : last.offset + 1;
  }

  /** The reader's side: settles the previous message, then waits for the next. */
  next(): Promise<IteratorResult<KfMessage>> {
    this.current?.settle(true);
    this.current = undefined;
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    const offered = this.offered.shift();
    if (offered !== undefined) {
      this.current = offered;
      offered.take();
      return Promise.resolve({ done: false, value: offered.message });
    }
    return new Promise((resolve) => this.readers.push(resolve));
  }

  /**
   * Ends reading: the message the reader holds counts as processed (it left the loop
   * after it), messages offered but not taken go back to their units.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current?.settle(true);
    this.current = undefined;
    for (const offered of this.offered.splice(0)) offered.settle(false);
    for (const reader of this.readers.splice(0)) reader({ done: true, value: undefined });
  }

  private offer(message: KfMessage, signal: AbortSignal): Offer {
    let take: () => void = () => undefined;
    const handed = new Promise<boolean>((resolve) => {
      take = () => resolve(true);
    });
    const done = new Promise<boolean>((resolve, reject) => {
      const onAbort = () => {
        const index = this.offered.indexOf(entry);
        if (index >= 0) this.offered.splice(index, 1);
        reject(signal.reason);
      };
      const entry: Offered = {
        message,
        take,
        settle: (taken) => {
          signal.removeEventListener('abort', onAbort);
          resolve(taken);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const reader = this.readers.shift();
      if (reader !== undefined) {
        this.current = entry;
        entry.take();
        reader({ done: false, value: message });
      } else {
        this.offered.push(entry);
      }
    });
    // Settled before a reader took it (closed, aborted): not handed to user code.
    return {
      handed: Promise.race([
        handed,
        done.then(
          () => false,
          () => false,
        ),
      ]),
      done,
    };
  }
}
