import { batchBounds, decodeRecordBatches } from '@kf/protocol/kafka-records';
import { describe, expect, test } from 'vitest';

/**
 * A message of the legacy format (magic 1, Kafka before 0.11): offset, size, crc, magic,
 * attributes, timestamp, key (none), value. A 3.x broker serves a topic's old messages
 * unconverted to a Fetch v4 and later.
 */
function legacyMessage(offset: number, value: Buffer): Buffer {
  const body = Buffer.alloc(4 + 1 + 1 + 8 + 4 + 4);
  let at = 4; // crc, left 0: the format is refused before any check of it
  body.writeInt8(1, at); // magic
  at += 2; // attributes: none
  body.writeBigInt64BE(1_700_000_000_000n, at);
  at += 8;
  body.writeInt32BE(-1, at); // no key
  at += 4;
  body.writeInt32BE(value.length, at);
  const head = Buffer.alloc(12);
  head.writeBigInt64BE(BigInt(offset), 0);
  head.writeInt32BE(body.length + value.length, 8);
  return Buffer.concat([head, body, value]);
}

const noCodec = async (): Promise<Buffer> => {
  throw new Error('nothing is compressed here');
};

describe('record sets in a format kf does not read (pure logic)', () => {
  // Two messages of 100-byte values at offsets 100 and 101: read as record batches,
  // their bytes gave last offsets of -446168733 and 65892, a range kf would cut units from.
  const legacy = Buffer.concat([
    legacyMessage(100, Buffer.alloc(100, 0x61)),
    legacyMessage(101, Buffer.alloc(100, 0x62)),
  ]);

  test('batchBounds refuses them, naming the format, instead of reading offsets from them', () => {
    expect(() => batchBounds(legacy)).toThrow('unsupported message format (magic 1)');
  });

  test('decodeRecordBatches refuses them too', async () => {
    await expect(decodeRecordBatches(legacy, { from: 100, to: 102 }, noCodec)).rejects.toThrow(
      'unsupported message format (magic 1)',
    );
  });
});
