import type { GroupLag } from '@kf/consumer';
import { Command } from 'commander';
import { type CommandContext, withAdmin } from '../context.js';
import { json, orDash, table } from '../output.js';

export function lagCommand(context: CommandContext): Command {
  return new Command('lag')
    .description(
      'per partition: log end, completed watermark, scheduled (saved) offset, units queued and in flight, lag; totals per topic',
    )
    .option('--topic <topic...>', "only these topics (default: the group's)")
    .option('--json', 'print the lag as JSON')
    .action(async (options: { topic?: string[]; json?: boolean }, command: Command) => {
      const lag = await withAdmin(command, context, (admin) =>
        admin.lag(options.topic === undefined ? {} : { topics: options.topic }),
      );
      context.io.out(options.json ? json(lag) : renderLag(lag));
    });
}

export function renderLag(lag: GroupLag): string {
  if (lag.topics.length === 0) return `group ${lag.group} has no topics`;
  const t = table([
    'topic',
    'partition',
    'log end',
    'completed',
    'scheduled',
    'queued',
    'in flight',
    'lag',
  ]);
  const notes: string[] = [];
  for (const topic of lag.topics) {
    for (const p of topic.partitions) {
      t.push([
        p.topic,
        String(p.partition),
        orDash(p.logEnd),
        orDash(p.completed),
        orDash(p.scheduled),
        String(p.queuedUnits),
        String(p.inFlightUnits),
        orDash(p.lag),
      ]);
    }
    const { totals } = topic;
    t.push([
      topic.topic,
      'total',
      '',
      '',
      '',
      String(totals.queuedUnits),
      String(totals.inFlightUnits),
      String(totals.lag),
    ]);
    if (topic.unavailable !== undefined) {
      notes.push(`${topic.topic}: Kafka's offsets could not be read: ${topic.unavailable}`);
    }
  }
  const legend =
    'queued and in flight count units; lag counts offsets not yet settled (log end - completed); - : not started by the group, or gone from Kafka';
  return [t.toString(), legend, ...notes].join('\n');
}
