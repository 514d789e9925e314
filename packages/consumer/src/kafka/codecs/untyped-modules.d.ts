// The two codec packages kf uses that ship no type declarations: only what kf calls.

declare module 'lz4js' {
  /** Upper bound of a compressed block's size for `n` input bytes. */
  export function compressBound(n: number): number;
  /**
   * Compresses `src[sIndex, sIndex + sLength)` as one raw LZ4 block into `dst` from 0,
   * matching only through `hashTable` (65536 entries, zeroed = empty); returns the size
   * written, 0 when the input did not compress.
   */
  export function compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
  /** Decompresses one LZ4 frame. */
  export function decompress(source: Uint8Array): Uint8Array;
}

declare module 'lz4js/xxh32.js' {
  /** xxHash32 of `src[index, index + len)`. */
  export function hash(seed: number, src: Uint8Array, index: number, len: number): number;
}

declare module 'kafkajs-snappy' {
  interface Codec {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  }
  /** Snappy for kafkajs, on snappyjs (pure JS); reads raw and xerial-framed snappy. */
  function createSnappyCodec(): Codec;
  export = createSnappyCodec;
}
