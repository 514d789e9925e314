import type { OffsetResetResult, ResetTarget, UnitRange } from '@kf/consumer';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { type CommandContext, withAdmin } from '../context.js';
import { interruptible } from '../interrupt.js';
import { resetTarget, wholeNumber } from '../options.js';
import { json, orDash, plural, table, time } from '../output.js';

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
        'move saved offsets; a dry run unless --yes, which pauses scheduling, moves them in one script (only if they are still those read), drops the queued units of those partitions and resumes (safe while nodes run)',
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
        const request = {
          topic: options.topic,
          ...(options.partition === undefined ? {} : { partition: options.partition }),
          to: options.to,
          dryRun: options.yes !== true,
        };
        const result = await withAdmin(command, context, (admin) =>
          request.dryRun
            ? admin.resetOffsets(request)
            : // Ctrl-C during a reset lifts its pause before kf leaves.
              interruptible(context.io, 'the offsets reset', (signal) =>
                admin.resetOffsets({ ...request, signal }),
              ),
        );
        context.io.out(options.json ? json(result) : renderReset(result));
        const failure = resetFailure(result);
        if (failure !== undefined) throw failure;
      }),
  );
  return offsets;
}

/**
 * What failed after the offsets moved (the pause left in place, a count): one line, for
 * `kf` to exit 1 with once the result is printed.
 */
export function resetFailure(result: OffsetResetResult): CliError | undefined {
  if (result.warnings.length === 0) return undefined;
  return new CliError(`the offsets were moved, but ${result.warnings.join('; and ')}`);
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
  const count = result.dropped.length + result.droppedUnreadable.length;
  const lines = result.dryRun
    ? [
        'dry run: nothing was moved; run again with --yes to move these offsets',
        t.toString(),
        `would drop ${plural(count, 'unit')} queued now${ranges(result.dropped)}`,
      ]
    : [
        `moved the saved offsets of ${result.topic}${pauseText(result)}`,
        t.toString(),
        `dropped ${plural(count, 'queued unit')}${ranges(result.dropped)}`,
      ];
  for (const unit of result.droppedUnreadable) {
    lines.push(`  not readable by this kf (${unit.reason}), as queued: ${unit.raw}`);
  }
  const claimed = result.inFlightUnits;
  if (claimed === null) {
    lines.push('units already claimed by nodes: could not be counted');
  } else if (claimed > 0) {
    const its = claimed === 1 ? 'its' : 'their';
    lines.push(
      `${plural(claimed, 'unit')} already claimed by nodes ${
        result.dryRun ? 'would run' : claimed === 1 ? 'runs' : 'run'
      } on to ${its} end: ${its} offsets may be delivered again`,
    );
  }
  return lines.join('\n');
}

function pauseText(result: OffsetResetResult): string {
  switch (result.pause) {
    case 'reset':
      return ' (scheduling was paused for the move and resumed)';
    case 'already':
      return ' (the group was paused already and stays paused: kf resume lifts it)';
    case 'paused-meanwhile':
      return ` (${result.pausedBy?.by ?? 'someone'} paused the group during the move, since ${time(result.pausedBy?.at ?? 0)}: it stays paused; kf resume lifts it)`;
    case 'release-failed':
      return ` (scheduling was paused for the move; that pause could not be lifted and lapses at ${time(result.pauseLapsesAt ?? 0)}, or kf resume lifts it)`;
    default:
      return '';
  }
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
