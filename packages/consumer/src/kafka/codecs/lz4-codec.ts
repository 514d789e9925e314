import { compressBlock, compressBound, decompress } from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32.js';
import type { KafkajsCodec } from './codec.js';

/**
 * LZ4 on lz4js, pure JavaScript, so installing kf builds nothing native (kafkajs-lz4
 * needs the `lz4` addon compiled). A Kafka batch holds one standard LZ4 frame, which
 * lz4js reads as it is.
 *
 * Writing is framed here rather than with lz4js's `compress`: Kafka's broker refuses
 * frames without the block-independence flag, which lz4js does not set (its blocks may
 * reference earlier ones). This writes what Kafka's Java client writes: independent
 * 64 KiB blocks, no checksums beyond the header's.
 */
export function createLz4Codec(): KafkajsCodec {
  return {
    async compress(encoder) {
      return lz4Frame(encoder.buffer);
    },
    async decompress(buffer) {
      return Buffer.from(decompress(buffer));
    },
  };
}

const MAGIC = 0x184d2204;
/** Version 01, block independence set, no block or content checksum, no content size. */
const FLG = 0x60;
/** Maximum block size 64 KiB (code 4). */
const BD = 0x40;
const BLOCK_SIZE = 64 * 1024;
const UNCOMPRESSED_BLOCK = 0x80000000;
const HASH_TABLE_SIZE = 1 << 16;

function lz4Frame(source: Buffer): Buffer {
  const header = Buffer.alloc(7);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = FLG;
  header[5] = BD;
  header[6] = (xxh32(0, header, 4, 2) >>> 8) & 0xff;
  const parts: Buffer[] = [header];
  const scratch = new Uint8Array(compressBound(BLOCK_SIZE));
  for (let start = 0; start < source.length; start += BLOCK_SIZE) {
    const length = Math.min(BLOCK_SIZE, source.length - start);
    // A fresh table per block keeps every match inside its block: blocks stay independent.
    const size = compressBlock(source, scratch, start, length, new Uint32Array(HASH_TABLE_SIZE));
    const blockHeader = Buffer.alloc(4);
    if (size === 0 || size >= length) {
      blockHeader.writeUInt32LE((UNCOMPRESSED_BLOCK | length) >>> 0, 0);
      parts.push(blockHeader, source.subarray(start, start + length));
    } else {
      blockHeader.writeUInt32LE(size, 0);
      parts.push(blockHeader, Buffer.from(scratch.subarray(0, size)));
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}
