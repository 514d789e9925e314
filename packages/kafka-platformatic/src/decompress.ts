import { KafkaRequestError } from '@kf/protocol';
import type { Decompress } from '@kf/protocol/kafka-records';
import { compressionsAlgorithmsByBitmask } from '@platformatic/kafka';

const COMPRESSION_MASK = 0x07;

/**
 * A batch's records decompressed by the codec its attributes name, with
 * @platformatic/kafka's codecs: gzip (zlib), snappy and lz4 (WebAssembly), zstd (Node's
 * own, 22.15 and newer). A codec it does not know fails the fetch, naming it.
 */
export const decompress: Decompress = async (attributes, compressed) => {
  const codec = attributes & COMPRESSION_MASK;
  const algorithm = (
    compressionsAlgorithmsByBitmask as Record<
      string,
      { decompressSync(data: Buffer): Buffer; available?: boolean } | undefined
    >
  )[String(codec)];
  if (algorithm === undefined || algorithm.available === false) {
    throw new KafkaRequestError(
      'decompress a record batch',
      undefined,
      `compression codec ${codec} is not available`,
    );
  }
  return algorithm.decompressSync(compressed);
};
