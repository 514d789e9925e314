import type { Logger } from '@kf/protocol';
import type { UnitFailedEvent } from '../node/node-events.js';
import type { WorkUnit } from '../work-unit/work-unit.js';

/**
 * Logs a unit's failure as the `unitFailed` event reports it, so an operator with no
 * listener still learns of it: error-listed at error (its offsets wait for a person),
 * a retry, or a unit queued again when this node's lease lapsed, at warn. Record data
 * stays out of the line: a malformed unit is named by its reason only, the error list
 * holds it whole. `listed`
 * is the part that went to the error list when it is less than the unit (one batch, a
 * poison record, a range Kafka no longer has): the line names exactly that.
 */
export function logUnitFailure(
  logger: Logger,
  event: UnitFailedEvent,
  listed?: WorkUnit | string,
): void {
  const unit = typeof listed === 'object' ? listed : event.unit;
  const where = unit
    ? {
        unit: unit.id,
        topic: unit.topic,
        partition: unit.partition,
        offset: unit.offset,
        len: unit.len,
        attempts: unit.attempts,
      }
    : {};
  const fields = { node: event.nodeId, ...where };
  switch (event.outcome) {
    case 'error-listed':
      logger.error(
        { ...fields, reason: event.reason, err: event.error },
        'a unit was error-listed: its offsets wait in the error list until they are requeued or purged',
      );
      return;
    case 'requeued':
      logger.warn(
        { ...fields, retryInMs: event.retryInMs, err: event.error },
        'user code failed on a unit; what it did not finish runs again',
      );
      return;
    case 'recovered':
      logger.warn(
        { ...fields, err: event.error },
        "a unit failed after this node's lease on it had lapsed; it was already queued again",
      );
      return;
  }
}
