import { KafkaRequestError } from './errors/kafka-request-error.js';
import type { AwaitLogEndsOptions, FetchRequest, WatchedPartition } from './kafka-access.js';

/**
 * Refuses a fetch whose numbers no broker could serve, before anything is sent:
 * `KafkaRequestError` naming the field and the value.
 */
export function checkFetchRequest(request: FetchRequest): void {
  const operation = `fetch ${request.topic}/${request.partition}`;
  checkIntegers(operation, [
    ['partition', request.partition, 0],
    ['offset', request.offset, 0],
    ['maxBytes', request.maxBytes, 1],
    ['maxWaitMs', request.maxWaitMs, 0],
  ]);
}

/**
 * Refuses a log-ends poll (`awaitLogEnds`) with no partition or with numbers no broker
 * could serve, before anything is sent: `KafkaRequestError` naming what was wrong.
 */
export function checkLogEndsRequest(
  operation: string,
  partitions: readonly WatchedPartition[],
  options: Pick<AwaitLogEndsOptions, 'maxWaitMs' | 'recordsMaxBytes'>,
): void {
  checkIntegers(operation, [
    ['maxWaitMs', options.maxWaitMs, 0],
    ['recordsMaxBytes', options.recordsMaxBytes ?? 0, 0],
  ]);
  if (partitions.length === 0) {
    throw new KafkaRequestError(operation, undefined, 'no partition to watch');
  }
  for (const { topic, partition, from } of partitions) {
    checkIntegers(`${operation}: ${topic}/${partition}`, [
      ['partition', partition, 0],
      ['from', from, 0],
    ]);
  }
}

function checkIntegers(operation: string, fields: Array<[string, number, number]>): void {
  for (const [name, value, min] of fields) {
    if (!Number.isSafeInteger(value) || value < min) {
      throw new KafkaRequestError(
        operation,
        undefined,
        `${name} must be an integer >= ${min}, got ${value}`,
      );
    }
  }
}
