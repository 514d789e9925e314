import {
  ClusterRedirectError,
  CommandError,
  CommandTimeoutError,
  ConnectionClosedError,
  type IRedis,
  type RedisTopology,
  ScriptError,
  type ScriptReply,
} from '@kf/protocol';
import {
  type AdapterSettings,
  Probe,
  type RespAddress,
  RespErrorReply,
  type RespValue,
} from '@kf/protocol/testkit';
import type { ConformanceCase } from '../../src/testkit/context.js';

/** The defects the cases are for; a stub with none keeps every rule they check. */
export interface StubFlaws {
  /** Lets a command wait for its reply as long as the server takes. */
  neverTimesOut?: boolean;
  /** Fails a command whose connection was lost instead of reconnecting for it. */
  failsWhileReconnecting?: boolean;
  /** Rewords the server's error replies, keeping their first word, as some drivers do. */
  rewordsReplies?: boolean;
  /** Passes a redirection loop on as its own plain error. */
  leavesRedirectsUntranslated?: boolean;
}

/** The command timeout of a stub whose factory was given none. */
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/**
 * Just enough of `IRedis` for the cases on error replies, timeouts, reconnection and
 * redirections, on the testkit's own probe (which follows up to 5 MOVED/ASK
 * redirections): `ping`, `get`, `set`, `listPush`, `evalScript`, `close`. Each flaw is
 * the defect one of those cases is for.
 */
export function stubRedis(
  address: RespAddress,
  topology: RedisTopology,
  settings: AdapterSettings,
  flaws: StubFlaws = {},
): IRedis {
  const timeoutMs = settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  let probe = new Probe(address);
  let closed = false;

  const isLostConnection = (error: unknown) =>
    !(error instanceof RespErrorReply) && !isRedirectLoop(error);

  async function sendReconnecting(args: (string | number)[]): Promise<RespValue> {
    try {
      return await probe.command(args);
    } catch (error) {
      if (closed || flaws.failsWhileReconnecting || !isLostConnection(error)) throw error;
      // A new connection: its login waits while the server holds commands, and this one
      // with it, bounded by the command timeout around it.
      await probe.close();
      probe = new Probe(address);
      return probe.command(args);
    }
  }

  function withTimeout(command: string, reply: Promise<RespValue>): Promise<RespValue> {
    if (flaws.neverTimesOut) return reply;
    // The late reply, or its failure once close() ends the connection, has no one to hear it.
    reply.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommandTimeoutError(command, timeoutMs)), timeoutMs);
    });
    return Promise.race([reply, deadline]).finally(() => clearTimeout(timer));
  }

  function translate(error: unknown, command: string, scriptName?: string): unknown {
    if (error instanceof CommandTimeoutError) return error;
    if (error instanceof RespErrorReply) {
      const serverMessage = flaws.rewordsReplies ? reworded(error.message) : error.message;
      return scriptName === undefined
        ? new CommandError(command, serverMessage, { cause: error })
        : new ScriptError(scriptName, serverMessage, { cause: error });
    }
    if (isRedirectLoop(error)) {
      return flaws.leavesRedirectsUntranslated
        ? error
        : new ClusterRedirectError(command, { cause: error });
    }
    return new ConnectionClosedError(`Redis ${command} failed: connection lost`, { cause: error });
  }

  async function send(args: (string | number)[], scriptName?: string): Promise<RespValue> {
    const command = String(args[0]);
    if (closed) throw new ConnectionClosedError(`Redis ${command} refused: the adapter is closed`);
    try {
      return await withTimeout(command, sendReconnecting(args));
    } catch (error) {
      throw translate(error, command, scriptName);
    }
  }

  const redis: Pick<
    IRedis,
    'topology' | 'ping' | 'get' | 'set' | 'listPush' | 'evalScript' | 'close'
  > = {
    topology,
    async ping() {
      await send(['PING']);
    },
    async get(key) {
      return (await send(['GET', key])) as string | null;
    },
    async set(key, value) {
      return (await send(['SET', key, value])) === 'OK';
    },
    async listPush(key, values, { side }) {
      return (await send([side === 'left' ? 'LPUSH' : 'RPUSH', key, ...values])) as number;
    },
    async evalScript(script, keys, args) {
      const rest = [keys.length, ...keys, ...args];
      try {
        return (await send(['EVALSHA', script.sha1, ...rest], script.name)) as ScriptReply;
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        if (!(cause instanceof RespErrorReply) || !cause.message.startsWith('NOSCRIPT'))
          throw error;
        return (await send(['EVAL', script.source, ...rest], script.name)) as ScriptReply;
      }
    },
    async close() {
      closed = true;
      await probe.close();
    },
  };
  // The cases these stubs are for call nothing else; the other methods would only be stubs.
  return redis as IRedis;
}

function isRedirectLoop(error: unknown): boolean {
  return error instanceof Error && /too many redirections/.test(error.message);
}

/** The first word kept, so a check of the prefix alone would not notice. */
function reworded(message: string): string {
  const [first = '', ...rest] = message.split(' ');
  return [first, ...rest.map((word) => word.toLowerCase()), '(reworded)'].join(' ');
}

/** The case of `cases` whose name starts with `name`; fails when none does. */
export function caseNamed(cases: ConformanceCase[], name: string): ConformanceCase {
  const found = cases.find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`no conformance case named "${name}…"`);
  return found;
}
