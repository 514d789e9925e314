import { decompress } from 'fzstd';
import { CodecUnsupportedError } from '../../errors/codec-unsupported-error.js';
import type { KafkajsCodec } from './codec.js';

/**
 * zstd on fzstd, pure JavaScript and decompress-only: a consumer never compresses, and
 * the native codec (@kafkajs/zstd) does not build on Node 20. Compressing is refused with
 * a typed error, so a producer in the same process that asks for zstd learns why.
 */
export function createZstdCodec(): KafkajsCodec {
  return {
    async compress() {
      throw new CodecUnsupportedError('zstd', 'compress');
    },
    async decompress(buffer) {
      const out = decompress(buffer);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    },
  };
}
