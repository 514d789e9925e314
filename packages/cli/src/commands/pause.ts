import { Command } from 'commander';
import { type CommandContext, withAdmin } from '../context.js';
import { json, time } from '../output.js';

export function pauseCommand(context: CommandContext): Command {
  return new Command('pause')
    .description('pause the group: the leader schedules nothing new; queued units still run')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const result = await withAdmin(command, context, (admin) => admin.pause());
      const { by, at } = result.note;
      context.io.out(
        options.json
          ? json(result)
          : result.paused
            ? `paused: nothing new is scheduled; queued units still run (kf resume lifts it)${
                result.tookOver === undefined
                  ? ''
                  : `\ntook over the pause of an offsets reset under way (${result.tookOver.by}): the group stays paused when that reset ends`
              }`
            : `already paused, by ${by} since ${time(at)}`,
      );
    });
}

export function resumeCommand(context: CommandContext): Command {
  return new Command('resume')
    .description('lift the pause, whoever set it: the leader schedules again')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const result = await withAdmin(command, context, (admin) => admin.resume());
      context.io.out(
        options.json
          ? json(result)
          : result.note === null
            ? 'not paused: nothing to resume'
            : `resumed (paused by ${result.note.by} since ${time(result.note.at)})`,
      );
    });
}
