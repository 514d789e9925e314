import type { Logger } from '@kf/protocol';
import {
  type BlockingListMoveOptions,
  ConnectionClosedError,
  type IRedis,
  type ListMoveOptions,
  type ListSide,
  type RedisScript,
  type RedisTopology,
  type ScoredMember,
  type ScoreRangeOptions,
  type ScriptArg,
  type ScriptReply,
  type SetOptions,
  type WaitOptions,
} from '@kf/protocol';
import { RESP_TYPES } from 'redis';
import { BlockingPool } from './blocking-pool.js';
import {
  blockingSeconds,
  rangeByScoreArgs,
  scoreArg,
  scriptArgs,
  setArgs,
  side,
} from './command-args.js';
import { withTimeout } from './command-timeout.js';
import type { Deployment } from './deployment.js';
import { isErrorReply } from './driver-errors.js';
import type { DriverCommandOptions } from './driver-types.js';
import {
  asInteger,
  asRecord,
  asScoredMembers,
  asScoreOrNull,
  asScriptReply,
  asTextList,
  asTextOrNull,
} from './replies.js';
import { translateError } from './translate-error.js';

// Maps as flat arrays, whatever the connection's RESP version or the caller's own
// type mapping: the readers in replies.ts then see one shape.
const TYPE_MAPPING = { [RESP_TYPES.MAP]: Array };

export interface AdapterSettings {
  commandTimeoutMs: number;
  maxIdleBlockingConnections: number;
  logger: Logger;
  secrets: readonly string[];
}

interface SendOptions {
  /** Script name, when the command runs one: its error replies become `ScriptError`. */
  scriptName?: string;
  /** The deadline, when the command itself may block longer than the command timeout. */
  timeoutMs?: number;
}

/** `IRedis` on node-redis; `createNodeRedis` builds it. */
export class NodeRedisAdapter implements IRedis {
  readonly topology: RedisTopology;
  readonly #pool: BlockingPool;
  #closed = false;
  #closing: Promise<void> | undefined;
  #abandon!: (error: Error) => void;
  /** Rejects on `close()`: blocked commands race it, so they end at once. */
  readonly #abandoned = new Promise<never>((_, reject) => {
    this.#abandon = reject;
  });

  constructor(
    private readonly deployment: Deployment,
    private readonly settings: AdapterSettings,
  ) {
    this.topology = deployment.topology;
    this.#pool = new BlockingPool(
      deployment,
      settings.maxIdleBlockingConnections,
      settings.logger,
      settings.secrets,
    );
    this.#abandoned.catch(() => undefined);
  }

  async ping(): Promise<void> {
    await this.#send('PING', ['PING']);
  }

  async time(): Promise<number> {
    const [seconds, micros] = asTextList('TIME', await this.#send('TIME', ['TIME']));
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async get(key: string): Promise<string | null> {
    return asTextOrNull('GET', await this.#send('GET', ['GET', key], key));
  }

  async set(key: string, value: string, options?: SetOptions): Promise<boolean> {
    const reply = await this.#send('SET', setArgs(key, value, options), key);
    return reply !== null && reply !== undefined;
  }

  async del(key: string): Promise<boolean> {
    return asInteger('DEL', await this.#send('DEL', ['DEL', key], key)) > 0;
  }

  async listPush(key: string, values: string[], options: { side: ListSide }): Promise<number> {
    const command = options.side === 'left' ? 'LPUSH' : 'RPUSH';
    return asInteger(command, await this.#send(command, [command, key, ...values], key));
  }

  async listRange(key: string, start: number, stop: number): Promise<string[]> {
    const args = ['LRANGE', key, String(start), String(stop)];
    return asTextList('LRANGE', await this.#send('LRANGE', args, key));
  }

  async listLength(key: string): Promise<number> {
    return asInteger('LLEN', await this.#send('LLEN', ['LLEN', key], key));
  }

  async listRemove(key: string, value: string, options?: { count?: number }): Promise<number> {
    const args = ['LREM', key, String(options?.count ?? 0), value];
    return asInteger('LREM', await this.#send('LREM', args, key));
  }

  async listMove(
    source: string,
    destination: string,
    options: ListMoveOptions,
  ): Promise<string | null> {
    const args = ['LMOVE', source, destination, side(options.from), side(options.to)];
    return asTextOrNull('LMOVE', await this.#send('LMOVE', args, source));
  }

  async listBlockingMove(
    source: string,
    destination: string,
    options: BlockingListMoveOptions,
  ): Promise<string | null> {
    const { timeoutMs } = options;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new RangeError(
        `listBlockingMove: timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`,
      );
    }
    const args = ['BLMOVE', source, destination, side(options.from), side(options.to)];
    args.push(blockingSeconds(timeoutMs));
    return asTextOrNull('BLMOVE', await this.#sendBlocking('BLMOVE', args, source, timeoutMs));
  }

  async hashGet(key: string, field: string): Promise<string | null> {
    return asTextOrNull('HGET', await this.#send('HGET', ['HGET', key, field], key));
  }

  async hashSet(key: string, fields: Record<string, string>): Promise<number> {
    const args = ['HSET', key, ...Object.entries(fields).flat()];
    return asInteger('HSET', await this.#send('HSET', args, key));
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return asRecord('HGETALL', await this.#send('HGETALL', ['HGETALL', key], key));
  }

  async hashDelete(key: string, fields: string[]): Promise<number> {
    return asInteger('HDEL', await this.#send('HDEL', ['HDEL', key, ...fields], key));
  }

  async sortedSetAdd(key: string, members: ScoredMember[]): Promise<number> {
    const args = ['ZADD', key, ...members.flatMap((m) => [scoreArg(m.score), m.member])];
    return asInteger('ZADD', await this.#send('ZADD', args, key));
  }

  async sortedSetRangeByScore(key: string, options: ScoreRangeOptions): Promise<ScoredMember[]> {
    const reply = await this.#send('ZRANGEBYSCORE', rangeByScoreArgs(key, options), key);
    return asScoredMembers('ZRANGEBYSCORE', reply);
  }

  async sortedSetRemove(key: string, members: string[]): Promise<number> {
    return asInteger('ZREM', await this.#send('ZREM', ['ZREM', key, ...members], key));
  }

  async sortedSetScore(key: string, member: string): Promise<number | null> {
    return asScoreOrNull('ZSCORE', await this.#send('ZSCORE', ['ZSCORE', key, member], key));
  }

  async setAdd(key: string, members: string[]): Promise<number> {
    return asInteger('SADD', await this.#send('SADD', ['SADD', key, ...members], key));
  }

  async setRemove(key: string, members: string[]): Promise<number> {
    return asInteger('SREM', await this.#send('SREM', ['SREM', key, ...members], key));
  }

  async setMembers(key: string): Promise<string[]> {
    return asTextList('SMEMBERS', await this.#send('SMEMBERS', ['SMEMBERS', key], key));
  }

  async evalScript(script: RedisScript, keys: string[], args: ScriptArg[]): Promise<ScriptReply> {
    const tail = scriptArgs(keys, args);
    const key = keys[0];
    const reply = await this.#run(
      'EVALSHA',
      async (options) => {
        try {
          return await this.deployment.send(['EVALSHA', script.sha1, ...tail], key, options);
        } catch (error) {
          if (!(isErrorReply(error) && error.message.startsWith('NOSCRIPT'))) throw error;
          // The server's script cache is empty (restart, fail-over, SCRIPT FLUSH):
          // EVAL runs the script and caches it for the next EVALSHA.
          this.settings.logger.debug({ script: script.name }, 'script not cached; sending it');
          return this.deployment.send(['EVAL', script.source, ...tail], key, options);
        }
      },
      { scriptName: script.name },
    );
    return asScriptReply('EVALSHA', reply);
  }

  async wait(options: WaitOptions): Promise<number> {
    const { replicas, timeoutMs } = options;
    // WAIT with timeout 0 blocks until enough replicas answer, possibly forever, and it
    // blocks the shared connection the while.
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new RangeError(`wait: timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    const args = ['WAIT', String(replicas), String(Math.ceil(timeoutMs))];
    const reply = await this.#run(
      'WAIT',
      (sendOptions) => this.deployment.sendWait(args, options.key, sendOptions),
      { timeoutMs: timeoutMs + this.settings.commandTimeoutMs },
    );
    return asInteger('WAIT', reply);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#abandon(new ConnectionClosedError('the adapter was closed while the command waited'));
    await Promise.all([this.#pool.close(), this.deployment.close()]);
  }

  #send(command: string, args: string[], key?: string): Promise<unknown> {
    return this.#run(command, (options) => this.deployment.send(args, key, options));
  }

  /**
   * Sends on the shared connection(s) once they are ready, within the deadline, and
   * turns any failure into a `@kf/protocol` error.
   */
  async #run(
    command: string,
    send: (options: DriverCommandOptions) => Promise<unknown>,
    options: SendOptions = {},
  ): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.settings.commandTimeoutMs;
    try {
      if (this.#closed) throw new ConnectionClosedError(`Redis ${command}: the adapter is closed`);
      return await withTimeout(command, timeoutMs, async (abortSignal) => {
        await this.deployment.ready;
        return send({ abortSignal, typeMapping: TYPE_MAPPING });
      });
    } catch (error) {
      throw this.#translate(error, command, timeoutMs, options.scriptName);
    }
  }

  /** Sends a blocking command on a dedicated connection, taken from and given back to the pool. */
  async #sendBlocking(
    command: string,
    args: string[],
    key: string,
    blockMs: number,
  ): Promise<unknown> {
    const timeoutMs = blockMs + this.settings.commandTimeoutMs;
    let connection: ReturnType<BlockingPool['acquire']> | undefined;
    let clean = false;
    try {
      if (this.#closed) throw new ConnectionClosedError(`Redis ${command}: the adapter is closed`);
      const dedicated = this.#pool.acquire();
      connection = dedicated;
      const reply = await withTimeout(
        command,
        timeoutMs,
        async (abortSignal) => {
          await dedicated.ready;
          return dedicated.send(args, key, { abortSignal, typeMapping: TYPE_MAPPING });
        },
        this.#abandoned,
      );
      clean = true;
      return reply;
    } catch (error) {
      throw this.#translate(error, command, timeoutMs);
    } finally {
      if (connection) this.#pool.release(connection, clean);
    }
  }

  #translate(error: unknown, command: string, timeoutMs: number, scriptName?: string): Error {
    return translateError(error, {
      command,
      scriptName,
      timeoutMs,
      closed: this.#closed,
      secrets: this.settings.secrets,
    });
  }
}
