import { type ConfigError, isKfError } from '@kf/protocol';
import { CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { CONFIG_ENV } from './load-config.js';
import { type Io, processIo } from './output.js';
import { buildProgram } from './program.js';

/**
 * Runs `kf` with `argv` (as `process.argv`: node, script, then the arguments) and
 * resolves with its exit code: 0 on success, 1 on any error (128 plus the signal's number
 * for an offsets reset stopped by SIGINT or SIGTERM). A user's error — a bad
 * config, an unreachable Redis, a wrong option — is one line on stderr with no stack;
 * `KF_DEBUG=1` adds the stack of an error kf did not expect.
 */
export async function runCli(
  argv: readonly string[],
  io: Io = processIo,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const program = buildProgram({ io, env });
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed its message already; help and version are not failures.
      return error.exitCode;
    }
    io.err(`kf: ${describe(error)}`);
    if (env.KF_DEBUG === '1' && error instanceof Error && error.stack) io.err(error.stack);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

function describe(error: unknown): string {
  if (isKfError(error, 'KF_CONFIG_INVALID')) return `${error.message}${flagHint(error)}`;
  if (error instanceof CliError || isKfError(error)) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `unexpected error: ${message} (KF_DEBUG=1 prints its stack)`;
}

/** The config fields that have a flag of their own: a person at a shell sets them there. */
const FLAGS: Array<[path: RegExp, hint: string]> = [
  [/^bootstrapBrokers/, `--brokers or ${CONFIG_ENV.brokers}`],
  [/^redis\.host/, `--redis or ${CONFIG_ENV.redis}`],
  [/^redis\.groupName/, `--group or ${CONFIG_ENV.group}`],
  [/^redis$/, `--redis and --group, or ${CONFIG_ENV.redis} and ${CONFIG_ENV.group}`],
];

function flagHint(error: unknown): string {
  const { issues } = error as ConfigError;
  const hints = FLAGS.filter(([path]) => issues.some((i) => path.test(i.path))).map(
    ([, hint]) => hint,
  );
  return hints.length === 0 ? '' : ` (set with ${hints.join('; ')}, or in the config file)`;
}
