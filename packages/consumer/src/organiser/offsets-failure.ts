import { KafkaErrorCode } from '@kf/protocol';

/**
 * What the organiser does when a topic's offsets could not be read; every kind skips
 * that topic for the tick and leaves the others alone:
 * - `leader-moved`: refresh the metadata, the next tick asks the new leader;
 * - `topic-missing`: warn once, schedule it once it exists;
 * - `ask-again`: a new leader catching up (OFFSET_NOT_AVAILABLE), nothing to report;
 * - `failed`: anything else (authorization, a broker error): report it, retry next tick.
 */
export type OffsetsFailure = 'leader-moved' | 'topic-missing' | 'ask-again' | 'failed';

export function classifyOffsetsFailure(error: unknown): OffsetsFailure {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === KafkaErrorCode.NotLeader) return 'leader-moved';
  if (code === KafkaErrorCode.UnknownTopicOrPartition) return 'topic-missing';
  if (code === KafkaErrorCode.OffsetNotAvailable) return 'ask-again';
  return 'failed';
}
