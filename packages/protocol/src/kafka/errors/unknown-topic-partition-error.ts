import { KfError } from '../../errors/kf-error.js';
import { KafkaErrorCode } from './kafka-error-code.js';

/** The cluster does not know the topic, or the topic has no such partition. */
export class UnknownTopicPartitionError extends KfError {
  readonly name = 'UnknownTopicPartitionError';
  readonly code = KafkaErrorCode.UnknownTopicOrPartition;
  constructor(
    readonly topic: string,
    /** `undefined` when the whole topic is unknown. */
    readonly partition: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      partition === undefined
        ? `topic ${topic} does not exist`
        : `${topic}/${partition} does not exist: the topic is unknown or has fewer partitions`,
      options,
    );
  }
}
