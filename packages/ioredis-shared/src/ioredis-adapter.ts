import type { Logger } from '@kf/protocol';
import {
  type BlockingListMoveOptions,
  ConnectionClosedError,
  ErrorCode,
  type IRedis,
  isKfError,
  type ListMoveOptions,
  type ListSide,
  type RedisScript,
  type RedisTopology,
  redactedError,
  type ScoredMember,
  type ScoreRangeOptions,
  type ScriptArg,
  type ScriptReply,
  type SetOptions,
  type WaitOptions,
} from '@kf/protocol';
import { BlockingConnectionPool } from './blocking-pool.js';
import { logClientEvents } from './client-events.js';
import { disconnectNow, type IoredisClient, quitGracefully } from './client-lifecycle.js';
import { blockingSeconds, rangeByScoreArgs, scoreArg, setFlags, sideArg } from './command-args.js';
import {
  asHash,
  asNumber,
  asScoredMembers,
  asScoreOrNull,
  asScriptReply,
  asString,
  asStringList,
} from './replies.js';
import { reviveOnEnd } from './revive-on-end.js';
import { runScript } from './run-script.js';
import { guardSelect, type SelectGuard, type SelectRefusal } from './select-guard.js';
import { sendWithTimeout } from './send-with-timeout.js';
import { translateError } from './translate-error.js';

/** What an adapter is made of; the single-server and cluster packages each assemble one. */
export interface AdapterParts<C extends IoredisClient> {
  topology: RedisTopology;
  /** Sends every command but the blocking ones. */
  client: C;
  /** Whether `close()` closes `client`: not when the caller passed it in. */
  ownsClient: boolean;
  /** Opens a dedicated connection for one blocking command at a time. */
  openBlockingConnection: () => C;
  /** The connection WAIT goes on: the one that sent the writes it waits for. */
  waitConnection: (options: WaitOptions) => IoredisClient;
  /** The command timeout ioredis enforces on `client`, for errors and for WAIT/BLMOVE. */
  commandTimeoutMs: number;
  /** Already redacting: see `redactingLogger`. */
  logger: Logger;
  /** Credentials to mask in every error message. */
  secrets: readonly string[];
  /** Idle blocking connections kept for reuse (default 4). */
  maxIdleBlockingConnections?: number;
}

/** `IRedis` on an ioredis `Redis` or `Cluster`, translating its errors to kf's. */
export class IoredisAdapter<C extends IoredisClient> implements IRedis {
  readonly topology: RedisTopology;
  private readonly blocking: BlockingConnectionPool<C>;
  private readonly stopLoggingEvents: () => void;
  private readonly selectGuard: SelectGuard;
  private readonly stopReviving: () => void;
  private closing: Promise<void> | undefined;

  constructor(private readonly parts: AdapterParts<C>) {
    this.topology = parts.topology;
    this.stopLoggingEvents = logClientEvents(parts.client, parts.logger, 'main');
    const refused = ({ error, db }: SelectRefusal): void =>
      parts.logger.error(
        { err: error, db },
        'Redis refused to select the configured database: the connection is dropped and made again rather than used in database 0',
      );
    this.selectGuard = guardSelect(parts.client, refused);
    // Only a client the adapter owns: a caller's client is the caller's to manage.
    this.stopReviving = parts.ownsClient
      ? reviveOnEnd(parts.client, () => this.closing !== undefined, parts.logger)
      : () => undefined;
    this.blocking = new BlockingConnectionPool(
      () => {
        const connection = parts.openBlockingConnection();
        logClientEvents(connection, parts.logger, 'blocking');
        guardSelect(connection, refused);
        return connection;
      },
      (connection) => disconnectNow(connection, parts.logger),
      parts.maxIdleBlockingConnections ?? 4,
    );
  }

  async ping(): Promise<void> {
    await this.call('ping', []);
  }

  async time(): Promise<number> {
    const [seconds, micros] = asStringList(await this.call('time', []));
    return Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
  }

  async get(key: string): Promise<string | null> {
    return asString(await this.call('get', [key]));
  }

  async set(key: string, value: string, options?: SetOptions): Promise<boolean> {
    return (await this.call('set', [key, value, ...setFlags(options)])) !== null;
  }

  async del(key: string): Promise<boolean> {
    return asNumber(await this.call('del', [key])) > 0;
  }

  async listPush(key: string, values: string[], options: { side: ListSide }): Promise<number> {
    const command = options.side === 'left' ? 'lpush' : 'rpush';
    return asNumber(await this.call(command, [key, ...values]));
  }

  async listRange(key: string, start: number, stop: number): Promise<string[]> {
    return asStringList(await this.call('lrange', [key, String(start), String(stop)]));
  }

  async listLength(key: string): Promise<number> {
    return asNumber(await this.call('llen', [key]));
  }

  async listRemove(key: string, value: string, options?: { count?: number }): Promise<number> {
    return asNumber(await this.call('lrem', [key, String(options?.count ?? 0), value]));
  }

  async listMove(
    source: string,
    destination: string,
    options: ListMoveOptions,
  ): Promise<string | null> {
    const args = [source, destination, sideArg(options.from), sideArg(options.to)];
    return asString(await this.call('lmove', args));
  }

  async listBlockingMove(
    source: string,
    destination: string,
    options: BlockingListMoveOptions,
  ): Promise<string | null> {
    const args = [
      source,
      destination,
      sideArg(options.from),
      sideArg(options.to),
      blockingSeconds(options.timeoutMs),
    ];
    // The server gives up after timeoutMs; the client waits one command timeout more
    // for its answer before calling the connection lost.
    const timeoutMs = options.timeoutMs + this.parts.commandTimeoutMs;
    const reply = await this.guard('BLMOVE', timeoutMs, undefined, () =>
      this.blocking.run((connection) => sendWithTimeout(connection, 'blmove', args, timeoutMs)),
    );
    return asString(reply);
  }

  async hashGet(key: string, field: string): Promise<string | null> {
    return asString(await this.call('hget', [key, field]));
  }

  async hashSet(key: string, fields: Record<string, string>): Promise<number> {
    return asNumber(await this.call('hset', [key, ...Object.entries(fields).flat()]));
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return asHash(await this.call('hgetall', [key]));
  }

  async hashDelete(key: string, fields: string[]): Promise<number> {
    return asNumber(await this.call('hdel', [key, ...fields]));
  }

  async sortedSetAdd(key: string, members: ScoredMember[]): Promise<number> {
    const args = members.flatMap(({ member, score }) => [scoreArg(score), member]);
    return asNumber(await this.call('zadd', [key, ...args]));
  }

  async sortedSetRangeByScore(key: string, options: ScoreRangeOptions): Promise<ScoredMember[]> {
    return asScoredMembers(await this.call('zrangebyscore', [key, ...rangeByScoreArgs(options)]));
  }

  async sortedSetRemove(key: string, members: string[]): Promise<number> {
    return asNumber(await this.call('zrem', [key, ...members]));
  }

  async sortedSetScore(key: string, member: string): Promise<number | null> {
    return asScoreOrNull(await this.call('zscore', [key, member]));
  }

  async setAdd(key: string, members: string[]): Promise<number> {
    return asNumber(await this.call('sadd', [key, ...members]));
  }

  async setRemove(key: string, members: string[]): Promise<number> {
    return asNumber(await this.call('srem', [key, ...members]));
  }

  async setMembers(key: string): Promise<string[]> {
    return asStringList(await this.call('smembers', [key]));
  }

  async evalScript(script: RedisScript, keys: string[], args: ScriptArg[]): Promise<ScriptReply> {
    const reply = await this.guard('EVALSHA', this.parts.commandTimeoutMs, script.name, () =>
      runScript(this.parts.client, script, keys, args),
    );
    return asScriptReply(reply);
  }

  async wait(options: WaitOptions): Promise<number> {
    const timeoutMs = options.timeoutMs + this.parts.commandTimeoutMs;
    const reply = await this.guard('WAIT', timeoutMs, undefined, () =>
      sendWithTimeout(
        this.parts.waitConnection(options),
        'wait',
        [String(options.replicas), String(options.timeoutMs)],
        timeoutMs,
      ),
    );
    return asNumber(reply);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const { client, ownsClient, commandTimeoutMs, logger } = this.parts;
    this.stopReviving();
    await Promise.all([
      this.blocking.close(),
      ownsClient ? quitGracefully(client, commandTimeoutMs, logger) : Promise.resolve(),
    ]);
    // Our own client keeps its listener: a late error (a handshake command timing out
    // after the disconnect) would otherwise reach the console as an unhandled event.
    // The caller's client goes back to the caller's listeners alone.
    if (!ownsClient) {
      this.stopLoggingEvents();
      this.selectGuard.stop();
    }
  }

  /**
   * A call that found no usable connection while the server refuses the configured
   * database until someone acts (an index past `databases`, no `+select`) says so: the
   * refusal is why, not a lost connection or a slow server. The connection is made again
   * meanwhile, so the call may still have been sent once it healed, as after any outage.
   */
  private withRefusedSelect(command: string, error: Error): Error {
    const refusal = this.selectGuard.refusal();
    const code = isKfError(error) ? error.code : undefined;
    if (refusal === undefined) return error;
    if (code !== ErrorCode.ConnectionClosed && code !== ErrorCode.CommandTimeout) return error;
    const reason = redactedError(refusal.error, this.parts.secrets).message;
    return new ConnectionClosedError(
      `Redis ${command} failed: the server refused to select database ${String(refusal.db)} (${reason}); kf does not use database 0 instead`,
      { cause: error },
    );
  }

  private call(command: string, args: string[]): Promise<unknown> {
    return this.guard(command.toUpperCase(), this.parts.commandTimeoutMs, undefined, () =>
      this.parts.client.call(command, ...args),
    );
  }

  /** Refuses calls after `close()`, and gives every failure its kf error class. */
  private async guard<T>(
    command: string,
    timeoutMs: number,
    scriptName: string | undefined,
    send: () => Promise<T>,
  ): Promise<T> {
    if (this.closing) {
      throw new ConnectionClosedError(`Redis ${command} refused: the adapter is closed`);
    }
    try {
      const reply = await send();
      this.selectGuard.healed();
      return reply;
    } catch (error) {
      // A call cut short by close() settles only once close() has: a caller awaiting
      // close() first and the call's outcome next sees the rejection then, not as an
      // unhandled one while close() is still running.
      if (this.closing) await this.closing;
      const translated = translateError(error, {
        command,
        timeoutMs,
        closed: this.closing !== undefined,
        secrets: this.parts.secrets,
        ...(scriptName === undefined ? {} : { scriptName }),
      });
      throw this.withRefusedSelect(command, translated);
    }
  }
}
