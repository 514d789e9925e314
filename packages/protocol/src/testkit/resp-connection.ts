import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsOptions } from 'node:tls';

/** A RESP2 reply: simple and bulk strings, integers, nil, arrays; error replies reject. */
export type RespValue = string | number | null | RespValue[];

/** A server error reply, kept apart from transport failures. */
export class RespErrorReply extends Error {
  override readonly name = 'RespErrorReply';
}

export interface RespAddress {
  host: string;
  port: number;
  password?: string;
  username?: string;
  /** TLS options for `tls.connect` (ca, cert, key, servername); plain TCP when absent. */
  tls?: TlsOptions;
}

type Parsed = { value: RespValue | RespErrorReply; end: number } | undefined;

/** Parses one reply starting at `start`, or `undefined` when the buffer holds only part of it. */
function parseReply(buffer: Buffer, start: number): Parsed {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start] as number);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespErrorReply(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let offset = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, offset);
        if (!item) return undefined;
        // An error nested in an array (EXEC, script tables) is reported as its text.
        items.push(item.value instanceof RespErrorReply ? item.value.message : item.value);
        offset = item.end;
      }
      return { value: items, end: offset };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * One plain connection speaking RESP2, with no driver underneath: the conformance suite
 * checks Redis state through it so that an adapter is never judged by itself.
 */
export class RespConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: {
    resolve: (v: RespValue) => void;
    reject: (e: Error) => void;
  }[] = [];
  private closedWith: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('probe connection closed')));
  }

  static async open(address: RespAddress): Promise<RespConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = address.tls
        ? connectTls({ host: address.host, port: address.port, ...address.tls }, () => resolve(s))
        : connectTcp({ host: address.host, port: address.port }, () => resolve(s));
      s.once('error', reject);
    });
    const connection = new RespConnection(socket);
    if (address.password !== undefined) {
      const auth = address.username
        ? ['AUTH', address.username, address.password]
        : ['AUTH', address.password];
      await connection.command(auth);
    }
    return connection;
  }

  command(args: (string | number)[]): Promise<RespValue> {
    const [reply] = this.commandsTogether([args]);
    return reply as Promise<RespValue>;
  }

  /**
   * Sends several commands in one write, so the server reads and runs them back to back,
   * and returns a promise of each one's reply.
   */
  commandsTogether(commands: (string | number)[][]): Promise<RespValue>[] {
    if (this.closedWith) {
      const closed = Promise.reject(this.closedWith);
      return commands.map(() => closed);
    }
    const replies = commands.map(
      () =>
        new Promise<RespValue>((resolve, reject) => {
          this.pending.push({ resolve, reject });
        }),
    );
    this.socket.write(commands.map((args) => encode(args.map(String))).join(''));
    return replies;
  }

  close(): void {
    this.closedWith ??= new Error('probe connection closed');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      const parsed = parseReply(this.buffer, offset);
      if (!parsed) break;
      offset = parsed.end;
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (parsed.value instanceof RespErrorReply) waiter.reject(parsed.value);
      else waiter.resolve(parsed.value);
    }
    this.buffer = this.buffer.subarray(offset);
  }

  private fail(error: Error): void {
    this.closedWith ??= error;
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
  }
}
