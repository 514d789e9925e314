import { Command } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { errorsCommand } from './commands/errors.js';
import { lagCommand } from './commands/lag.js';
import { offsetsCommand } from './commands/offsets.js';
import { pauseCommand, resumeCommand } from './commands/pause.js';
import { statusCommand } from './commands/status.js';
import type { CommandContext } from './context.js';
import { CONFIG_ENV } from './load-config.js';
import { positiveNumber } from './options.js';

const DEFAULT_TIMEOUT_MS = 5_000;

/** The `kf` program: global config options, then one command per operation. */
export function buildProgram(context: CommandContext): Command {
  const program = new Command('kf')
    .description('operate a kf consumer group: status, lag, the error list, offsets, pause')
    .version(packageJson.version, '-V, --version', "print kf's version")
    .option(
      '-c, --config <file>',
      `a JSON or YAML file with the createNode config (env ${CONFIG_ENV.config})`,
    )
    .option('--brokers <list>', `Kafka brokers, host:port,... (env ${CONFIG_ENV.brokers})`)
    .option('--redis <list>', `Redis, host:port; several for a Cluster (env ${CONFIG_ENV.redis})`)
    .option('--group <name>', `the consumer group (env ${CONFIG_ENV.group})`)
    .option(
      '--timeout <ms>',
      'how long Redis and Kafka may take to answer',
      positiveNumber,
      DEFAULT_TIMEOUT_MS,
    )
    .addHelpText(
      'after',
      `\nEach setting is taken from its flag, else its environment variable, else the config file.`,
    )
    .showHelpAfterError('(kf --help lists the commands and options)')
    .exitOverride()
    .configureOutput({ writeOut: context.io.out, writeErr: context.io.err });
  for (const command of [
    statusCommand(context),
    lagCommand(context),
    errorsCommand(context),
    offsetsCommand(context),
    pauseCommand(context),
    resumeCommand(context),
  ]) {
    program.addCommand(command);
  }
  // Subcommands report their own usage errors the same way, without exiting the process.
  for (const command of allCommands(program)) {
    command.exitOverride().configureOutput({ writeOut: context.io.out, writeErr: context.io.err });
  }
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}
