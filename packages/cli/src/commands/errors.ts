import type { IndexedError, PurgeResult, RequeueResult } from '@kf/consumer';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { type CommandContext, withAdmin } from '../context.js';
import { errorFilter, type FilterOptions, reason, wholeNumber } from '../options.js';
import { fields, json, plural, table, time } from '../output.js';

/** `--reason`, `--topic`, `--partition` on a command. */
function withFilter(command: Command): Command {
  return command
    .option('--reason <reason>', 'only entries of this reason', reason)
    .option('--topic <topic>', "only entries of this topic's units")
    .option('--partition <n>', "only entries of this partition's units", wholeNumber);
}

export function errorsCommand(context: CommandContext): Command {
  const errors = new Command('errors').description(
    "the group's error list: units given up on, with their reasons",
  );
  errors.addCommand(
    withFilter(new Command('list'))
      .description('entries oldest first, with their index')
      .option('--offset <n>', 'skip this many matching entries', wholeNumber, 0)
      .option('--limit <n>', 'show at most this many', wholeNumber, 100)
      .option('--json', 'print the entries as JSON')
      .action(async (options: FilterOptions & ListOptions, command: Command) => {
        const found = await withAdmin(command, context, (admin) =>
          admin.errors.list({
            ...errorFilter(options),
            offset: options.offset,
            limit: options.limit,
          }),
        );
        context.io.out(options.json ? json(found) : renderList(found.entries, found.matching));
      }),
  );
  errors.addCommand(
    new Command('show')
      .description('one entry in full')
      .argument('<index>', 'its index, as `kf errors list` shows it', wholeNumber)
      .option('--json', 'print the entry as JSON')
      .action(async (index: number, options: { json?: boolean }, command: Command) => {
        const entry = await withAdmin(command, context, (admin) => admin.errors.show(index));
        context.io.out(options.json ? json(entry) : renderEntry(entry));
      }),
  );
  errors.addCommand(
    withFilter(new Command('requeue'))
      .description("queue the matching entries' units again, attempts reset, flagged redelivered")
      .option('--json', 'print the counts as JSON')
      .action(async (options: FilterOptions & { json?: boolean }, command: Command) => {
        const result = await withAdmin(command, context, (admin) =>
          admin.errors.requeue(errorFilter(options)),
        );
        context.io.out(options.json ? json(result) : renderRequeue(result));
      }),
  );
  errors.addCommand(
    withFilter(new Command('purge'))
      .description('remove the matching entries for good (asks for --yes)')
      .option('--yes', 'really remove them')
      .option('--json', 'print the count as JSON')
      .action(
        async (options: FilterOptions & { yes?: boolean; json?: boolean }, command: Command) => {
          const filter = errorFilter(options);
          const purged = await withAdmin(command, context, async (admin) => {
            if (options.yes) return admin.errors.purge(filter);
            const { matching } = await admin.errors.list({ ...filter, limit: 0 });
            throw new CliError(
              `purge removes ${plural(matching, 'entry', 'entries')} for good: run it again with --yes`,
            );
          });
          context.io.out(options.json ? json(purged) : renderPurge(purged));
        },
      ),
  );
  return errors;
}

export function renderRequeue(result: RequeueResult): string {
  const lines = [`requeued ${plural(result.requeued, 'entry', 'entries')}`];
  if (result.partitionBusy > 0) {
    lines.push(
      `${plural(result.partitionBusy, 'entry', 'entries')} stayed listed: the group orders by partition and another unit of the partition was queued or in flight; requeue again once it has settled (with a backlog behind it: kf pause, wait for it, requeue, kf resume)`,
    );
  }
  if (result.unreadable > 0) {
    lines.push(
      `${plural(result.unreadable, 'malformed unit')} stayed listed: this kf cannot read ${result.unreadable === 1 ? 'it' : 'them'} either`,
    );
  }
  return lines.join('\n');
}

export function renderPurge(result: PurgeResult): string {
  const lines = [`purged ${plural(result.purged, 'entry', 'entries')}`];
  if (result.pendingCleared > 0) {
    lines.push(
      `removed the pending ${plural(result.pendingCleared, 'entry', 'entries')} of malformed units with them, which held their partitions' completed watermarks back`,
    );
  }
  if (result.pendingUnknown.length > 0) {
    lines.push(
      `${plural(result.pendingUnknown.length, 'malformed unit')} named no partition kf can read: a pending entry such a unit kept, if any, stays (kf lag shows a completed watermark that does not move)`,
      ...result.pendingUnknown.map((raw) => `  ${raw}`),
    );
  }
  return lines.join('\n');
}

interface ListOptions {
  offset: number;
  limit: number;
  json?: boolean;
}

function renderList(entries: IndexedError[], matching: number): string {
  if (matching === 0) return 'no entries';
  const t = table(['index', 'reason', 'unit', 'offsets', 'attempts', 'at', 'detail']);
  for (const e of entries) {
    const unit = typeof e.unit === 'string' ? undefined : e.unit;
    t.push([
      String(e.index),
      e.reason,
      unit ? `${unit.topic}/${unit.partition}` : 'unreadable',
      unit ? `${unit.offset}..${unit.offset + unit.len - 1}` : '-',
      unit ? String(unit.attempts) : '-',
      time(e.at),
      e.detail.length > 60 ? `${e.detail.slice(0, 57)}...` : e.detail,
    ]);
  }
  const shown =
    entries.length < matching ? `\n${entries.length} of ${matching} matching entries shown` : '';
  return `${t.toString()}${shown}`;
}

function renderEntry(e: IndexedError): string {
  const unit = typeof e.unit === 'string' ? undefined : e.unit;
  return fields([
    ['index', String(e.index)],
    ['reason', e.reason],
    ['at', time(e.at)],
    ['detail', e.detail],
    ...(unit
      ? ([
          ['unit', unit.id],
          ['offsets', `${unit.offset}..${unit.offset + unit.len - 1} (${unit.len})`],
          ['attempts', String(unit.attempts)],
          ['redelivered', unit.redelivered ? 'yes' : 'no'],
        ] as Array<[string, string]>)
      : ([['unit', `unreadable: ${e.unit as string}`]] as Array<[string, string]>)),
  ]);
}
