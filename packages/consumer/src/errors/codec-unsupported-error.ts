import { KafkaErrorCode, KfError } from '@kf/protocol';

/** A compression codec kf registered cannot do what was asked (kf's zstd only decompresses). */
export class CodecUnsupportedError extends KfError {
  readonly name = 'CodecUnsupportedError';
  readonly code = KafkaErrorCode.CodecUnsupported;
  constructor(
    readonly codec: string,
    readonly operation: 'compress' | 'decompress',
    options?: { cause?: unknown },
  ) {
    super(
      `kf's ${codec} codec cannot ${operation}: register a full ${codec} codec in kafkajs's CompressionCodecs before calling registerCodecs() to produce with it`,
      options,
    );
  }
}
