import kafkajs from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import type { KafkajsCodec } from './codec.js';
import { createLz4Codec } from './lz4-codec.js';
import { createZstdCodec } from './zstd-codec.js';

// kafkajs is CommonJS and builds its exports object with member expressions, which
// Node's ESM named-export detection cannot see: read them from the default export.
const { CompressionCodecs, CompressionTypes } = kafkajs;

type CodecSlot =
  | typeof CompressionTypes.Snappy
  | typeof CompressionTypes.LZ4
  | typeof CompressionTypes.ZSTD;

export interface RegisteredCodecs {
  /** Codecs kf put in place. */
  registered: Array<'snappy' | 'lz4' | 'zstd'>;
  /** Codecs left as they were because the application had registered its own. */
  kept: Array<'snappy' | 'lz4' | 'zstd'>;
}

const CODECS: Array<[name: 'snappy' | 'lz4' | 'zstd', slot: CodecSlot, make: () => KafkajsCodec]> =
  [
    ['snappy', CompressionTypes.Snappy, createSnappyCodec],
    ['lz4', CompressionTypes.LZ4, createLz4Codec],
    ['zstd', CompressionTypes.ZSTD, createZstdCodec],
  ];

/**
 * Lets kafkajs read snappy, lz4 and zstd batches (gzip is built in), on codecs with no
 * native build. `CompressionCodecs` is kafkajs's process-wide table, so a codec the
 * application registered itself (a native one, say) is kept: kf fills only the slots
 * still holding kafkajs's "not implemented" placeholder. Call it once before fetching;
 * calling it again changes nothing.
 */
export function registerCodecs(): RegisteredCodecs {
  const result: RegisteredCodecs = { registered: [], kept: [] };
  for (const [name, slot, make] of CODECS) {
    if (isPlaceholder(slot)) {
      const codec = make();
      CompressionCodecs[slot] = () => codec;
      result.registered.push(name);
    } else {
      result.kept.push(name);
    }
  }
  return result;
}

/** kafkajs's placeholders throw KafkaJSNotImplemented when looked up. */
function isPlaceholder(slot: CodecSlot): boolean {
  try {
    CompressionCodecs[slot]();
    return false;
  } catch (error) {
    if ((error as { name?: string }).name === 'KafkaJSNotImplemented') return true;
    throw error;
  }
}
