import type { OffsetResetResult, ResetTarget, UnitRange } from '@kf/consumer';
import { Command } from 'commander';
import { type CommandContext, withAdmin } from '../context.js';
import { resetTarget, wholeNumber } from '../options.js';
import { json, orDash, plural, table } from '../output.js';

interface ResetOptions {
  topic: string;
  partition?: number;
  to: ResetTarget;
  yes?: boolean;
  json?: boolean;
}

export function offsetsCommand(context: CommandContext): Command {
  const offsets = new Command('offsets').description("the group's saved offsets");
  offsets.addCommand(
    new Command('reset')
      .description(
        'move saved offsets; a dry run unless --yes, which pauses scheduling, moves them in one script, drops the queued units of those partitions and resumes (safe while nodes run)',
      )
      .requiredOption('--topic <topic>', 'the topic')
      .option('--partition <n>', 'one partition (default: every partition)', wholeNumber)
      .requiredOption(
        '--to <target>',
        'earliest, latest, an offset, or an ISO time (the first offset at or after it)',
        resetTarget,
      )
      .option('--yes', 'really move them')
      .option('--json', 'print the result as JSON')
      .action(async (options: ResetOptions, command: Command) => {
        const result = await withAdmin(command, context, (admin) =>
          admin.resetOffsets({
            topic: options.topic,
            ...(options.partition === undefined ? {} : { partition: options.partition }),
            to: options.to,
            dryRun: options.yes !== true,
          }),
        );
        context.io.out(options.json ? json(result) : renderReset(result));
      }),
  );
  return offsets;
}

export function renderReset(result: OffsetResetResult): string {
  const t = table(['partition', 'saved offset', 'log start', 'log end']);
  for (const p of result.partitions) {
    t.push([
      `${result.topic}/${p.partition}`,
      `${orDash(p.from)} → ${p.to}`,
      String(p.logStart),
      String(p.logEnd),
    ]);
  }
  const units = plural(result.dropped.length, 'queued unit');
  const lines = result.dryRun
    ? [
        'dry run: nothing was moved; run again with --yes to move these offsets',
        t.toString(),
        `would drop ${plural(result.dropped.length, 'unit')} queued now${ranges(result.dropped)}`,
      ]
    : [
        `moved the saved offsets of ${result.topic}${
          result.pause === 'reset'
            ? ' (scheduling was paused for the move and resumed)'
            : ' (the group was paused already and stays paused: kf resume lifts it)'
        }`,
        t.toString(),
        `dropped ${units}${ranges(result.dropped)}`,
      ];
  const claimed = result.inFlightUnits;
  if (claimed > 0) {
    const its = claimed === 1 ? 'its' : 'their';
    lines.push(
      `${plural(claimed, 'unit')} already claimed by nodes ${
        result.dryRun ? 'would run' : claimed === 1 ? 'runs' : 'run'
      } on to ${its} end: ${its} offsets may be delivered again`,
    );
  }
  return lines.join('\n');
}

/** `partition:first..last`, units that follow one another merged into one range. */
function ranges(dropped: UnitRange[]): string {
  const merged: UnitRange[] = [];
  for (const unit of dropped) {
    const last = merged.at(-1);
    if (last?.partition === unit.partition && last.offset + last.len === unit.offset) {
      last.len += unit.len;
    } else merged.push({ ...unit });
  }
  if (merged.length === 0) return '';
  return ` (offsets ${merged.map((u) => `${u.partition}:${u.offset}..${u.offset + u.len - 1}`).join(', ')})`;
}
