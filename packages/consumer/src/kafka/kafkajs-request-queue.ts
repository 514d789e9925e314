/**
 * kafkajs 2.2.4's request queue (kafkajs internals, pinned, like kafkajs-internals.ts):
 * after every answered request `checkPendingRequests` calls
 * `scheduleCheckPendingRequests`, which, with nothing pending and nothing throttled,
 * schedules the same check after `throttledUntil - Date.now()` — a negative delay
 * (-1 - now) that Node runs after 1 ms — and that check schedules itself again. Every
 * connection then runs a timer every millisecond for as long as it is open, and Node 24
 * and later print a TimeoutNegativeWarning on the process's stderr (kafkajs issues
 * #1704 and #1751, unreleased). With nothing pending a check is only worth scheduling
 * for a throttle still to end: a request that has to wait schedules one itself (`push`).
 */

/** The parts of kafkajs's `Connection` and `RequestQueue` this file drives. */
export interface QueuedConnection {
  requestQueue: {
    pending: unknown[];
    throttledUntil: number;
    scheduleCheckPendingRequests(): void;
  };
}

const settled = new WeakSet<QueuedConnection['requestQueue']>();

/** Stops `connection`'s queue checking for pending requests when none can be; once each. */
export function stopIdleQueueChecks(connection: QueuedConnection): void {
  const queue = connection.requestQueue;
  if (settled.has(queue)) return;
  settled.add(queue);
  const schedule = queue.scheduleCheckPendingRequests;
  queue.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
    this: QueuedConnection['requestQueue'],
  ) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
}
