/**
 * A response that arrived in several socket reads, kept as those reads instead of being
 * joined into one buffer. Joining a fetch response of a megabyte into freshly allocated
 * memory cost a kf process about a sixth of its CPU in the P1 benchmark (the new pages'
 * faults, not the copy); read in place, only what straddles two reads is copied.
 */
/** A varlong's most bytes: 64 bits, 7 a byte. */
const MAX_VARINT_BYTES = 10;

export class ChunkedBytes {
  readonly length: number;
  constructor(readonly chunks: readonly Buffer[]) {
    this.length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** What a logger that serialises it shows: never the bytes (messages, perhaps secrets). */
  toJSON(): { type: 'ChunkedBytes'; length: number; chunks: number } {
    return { type: 'ChunkedBytes', length: this.length, chunks: this.chunks.length };
  }
}

/**
 * Reads a buffer, or chunked bytes, front to back. A read that lies inside one chunk is
 * a view on it; one across chunks is copied into a buffer of its own.
 */
export class ByteReader {
  private readonly chunks: readonly Buffer[];
  /** The chunk being read, and the position inside it. */
  private index = 0;
  private at = 0;
  private left: number;

  constructor(source: Buffer | ChunkedBytes) {
    this.chunks = Buffer.isBuffer(source) ? [source] : source.chunks;
    this.left = source.length;
    this.skipEmpty();
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.left;
  }

  int8(): number {
    return this.bytes(1).readInt8(0);
  }

  int16(): number {
    return this.bytes(2).readInt16BE(0);
  }

  int32(): number {
    return this.bytes(4).readInt32BE(0);
  }

  int64(): bigint {
    return this.bytes(8).readBigInt64BE(0);
  }

  /** A string with an int16 length; `null` (length -1) reads as ''. */
  string(): string {
    const length = this.int16();
    return length < 0 ? '' : this.bytes(length).toString('utf8');
  }

  /** An int32-counted array; `null` (count -1) reads as none. */
  array<T>(read: (reader: ByteReader) => T): T[] {
    const count = this.int32();
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(read(this));
    return items;
  }

  /** A zig-zag varint (Kafka's varint and varlong; exact while it fits 2^53). */
  varint(): number {
    const chunk = this.chunks[this.index];
    let raw = 0;
    let factor = 1;
    if (chunk !== undefined && this.at + MAX_VARINT_BYTES <= chunk.length) {
      // The whole varint lies in this chunk: read it without the per-byte bookkeeping.
      let at = this.at;
      let byte: number;
      do {
        byte = chunk[at++] as number;
        raw += (byte & 0x7f) * factor;
        factor *= 128;
      } while ((byte & 0x80) !== 0);
      this.advance(at - this.at);
    } else {
      for (;;) {
        const byte = this.byte();
        raw += (byte & 0x7f) * factor;
        if ((byte & 0x80) === 0) break;
        factor *= 128;
      }
    }
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** Varint-length-prefixed bytes, as `bytes` gives them; `null` for length -1. */
  nullableBytes(): Buffer | null {
    const length = this.varint();
    return length < 0 ? null : this.bytes(length);
  }

  /** The next `length` bytes (as `bytes` gives them) without moving past them. */
  peek(length: number): Buffer {
    const saved = { index: this.index, at: this.at, left: this.left };
    const bytes = this.bytes(length);
    ({ index: this.index, at: this.at, left: this.left } = saved);
    return bytes;
  }

  /** The next `length` bytes: a view when they lie in one chunk, a copy otherwise. */
  bytes(length: number): Buffer {
    this.need(length);
    const chunk = this.chunks[this.index];
    if (chunk !== undefined && this.at + length <= chunk.length) {
      const view = chunk.subarray(this.at, this.at + length);
      this.advance(length);
      return view;
    }
    const copy = Buffer.allocUnsafe(length);
    let filled = 0;
    this.walk(length, (piece) => {
      piece.copy(copy, filled);
      filled += piece.length;
    });
    return copy;
  }

  /** The next `length` bytes as chunks (views, nothing copied). */
  chunked(length: number): ChunkedBytes {
    this.need(length);
    const pieces: Buffer[] = [];
    this.walk(length, (piece) => pieces.push(piece));
    return new ChunkedBytes(pieces);
  }

  /** Everything not read yet, as views. */
  rest(): Buffer[] {
    return this.chunked(this.left).chunks.slice();
  }

  skip(length: number): void {
    this.need(length);
    const chunk = this.chunks[this.index];
    if (chunk !== undefined && this.at + length < chunk.length) {
      this.at += length;
      this.left -= length;
      return;
    }
    this.walk(length, () => {});
  }

  private byte(): number {
    const chunk = this.chunks[this.index];
    if (chunk === undefined) throw new RangeError('the response ends inside a varint');
    const byte = chunk[this.at] as number;
    this.advance(1);
    return byte;
  }

  private need(length: number): void {
    if (length < 0 || length > this.left) {
      throw new RangeError(`asked for ${length} bytes with ${this.left} left in the response`);
    }
  }

  /** Hands over the next `length` bytes chunk by chunk, as views, moving past them. */
  private walk(length: number, take: (piece: Buffer) => void): void {
    let wanted = length;
    while (wanted > 0) {
      const chunk = this.chunks[this.index] as Buffer;
      const size = Math.min(chunk.length - this.at, wanted);
      take(chunk.subarray(this.at, this.at + size));
      wanted -= size;
      this.advance(size);
    }
  }

  private advance(length: number): void {
    this.at += length;
    this.left -= length;
    this.skipEmpty();
  }

  /** Moves to the next chunk holding a byte once the current one is read out. */
  private skipEmpty(): void {
    while (this.index < this.chunks.length && this.at >= (this.chunks[this.index]?.length ?? 0)) {
      this.index++;
      this.at = 0;
    }
  }
}
