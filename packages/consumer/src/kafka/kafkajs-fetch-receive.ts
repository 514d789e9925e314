/**
 * How a kafkajs connection receives Fetch responses, for kf: a response that arrived in
 * several socket reads reaches kf's decoder as those reads (`ChunkedBytes`) instead of
 * one buffer joined from them. kafkajs 2.2.4's `Connection.processData` joins each
 * response with `Buffer.concat`; for a megabyte fetch that is a fresh allocation whose
 * pages fault in as the copy touches them, which cost a kf process about a sixth of its
 * CPU in the P1 benchmark. kf's Fetch v11 decoder reads the chunks in place and copies
 * only a record batch that straddles two of them.
 *
 * kafkajs internals (2.2.4, pinned), like kafkajs-internals.ts: `processData`, `chunks`,
 * `bytesBuffered`, `bytesNeeded`, `authHandlers`, `requestQueue.inflight` and
 * `requestQueue.fulfillRequest`. Everything other than a Fetch response (SASL exchanges,
 * any other request sent on the connection) goes through kafkajs's own path.
 */
import { ByteReader, ChunkedBytes } from '@kf/protocol/kafka-records';

/** The parts of kafkajs's `Connection` this file drives. */
export interface ReceivingConnection {
  chunks: Buffer[];
  bytesBuffered: number;
  bytesNeeded: number;
  authHandlers: unknown;
  processData(data: Buffer): void;
  requestQueue: {
    inflight: Map<number, { entry: { apiKey: number } }>;
    fulfillRequest(response: {
      size: number;
      correlationId: number;
      payload: Buffer | ChunkedBytes;
    }): void;
  };
}

const FETCH_API_KEY = 1;
const SIZE_BYTES = 4;
const CORRELATION_ID_BYTES = 4;

const receiving = new WeakSet<ReceivingConnection>();

/** Lets `connection` hand Fetch responses over unjoined; once per connection. */
export function receiveFetchesUnjoined(connection: ReceivingConnection): void {
  if (receiving.has(connection)) return;
  receiving.add(connection);
  const kafkajsProcessData = connection.processData;
  connection.processData = function processData(this: ReceivingConnection, data: Buffer) {
    // SASL exchanges have their own framing in kafkajs's path.
    if (this.authHandlers) return kafkajsProcessData.call(this, data);
    this.chunks.push(data);
    this.bytesBuffered += data.length;
    while (this.bytesNeeded <= this.bytesBuffered) {
      const reader = new ByteReader(new ChunkedBytes(this.chunks));
      const size = reader.int32();
      if (reader.remaining < size) {
        // Wait for the whole response; the chunks stay as they came.
        this.bytesNeeded = SIZE_BYTES + size;
        return;
      }
      if (size < CORRELATION_ID_BYTES) {
        // A frame too short for its correlation id: dropped, as kafkajs's path consumes
        // it before failing, so the next response is still read from its first byte.
        this.bytesBuffered = reader.remaining - Math.max(size, 0);
        reader.skip(Math.max(size, 0));
        this.chunks = reader.rest();
        this.bytesNeeded = SIZE_BYTES;
        throw new Error(`a Kafka response of ${size} bytes cannot hold its correlation id`);
      }
      const correlationId = reader.int32();
      const bodyBytes = size - CORRELATION_ID_BYTES;
      const isFetch = this.requestQueue.inflight.get(correlationId)?.entry.apiKey === FETCH_API_KEY;
      const payload = isFetch ? reader.chunked(bodyBytes) : reader.bytes(bodyBytes);
      this.bytesBuffered = reader.remaining;
      this.chunks = reader.rest();
      this.bytesNeeded = SIZE_BYTES;
      this.requestQueue.fulfillRequest({ size, correlationId, payload });
    }
  };
}
