import type { GroupStatus } from '@kf/consumer';
import { Command } from 'commander';
import { type CommandContext, withAdmin } from '../context.js';
import { duration, fields, json, plural, table, time } from '../output.js';

export function statusCommand(context: CommandContext): Command {
  return new Command('status')
    .description(
      'the leader node and epoch, the lock TTL, every node with its lease and units in flight, list lengths, topics, pause',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const status = await withAdmin(command, context, (admin) => admin.status());
      context.io.out(options.json ? json(status) : renderStatus(status));
    });
}

export function renderStatus(status: GroupStatus): string {
  const { leader, paused } = status;
  const summary = fields([
    ['group', status.group],
    [
      'leader',
      leader.held
        ? `${leader.nodeId ?? 'held by a node that does not say which (an older kf)'}, epoch ${leader.epoch ?? '-'}, lock TTL ${leader.ttlMs === -1 ? 'none' : duration(leader.ttlMs ?? 0)}`
        : `none (epoch ${leader.epoch ?? '-'}): scheduling waits for a node to take the lock`,
    ],
    [
      'paused',
      paused === null
        ? 'no'
        : `yes, by ${paused.by} since ${time(paused.at)}: nothing new is scheduled`,
    ],
    ['work', `${plural(status.work, 'unit')} queued`],
    ['working', `${plural(status.working, 'unit')} in flight`],
    ['errors', plural(status.errors, 'entry', 'entries')],
    ['topics', status.topics.join(', ') || 'none'],
  ]);
  if (status.nodes.length === 0) return `${summary}\nno node holds a lease`;
  const nodes = table(['node', 'lease', 'expires', 'in flight']);
  for (const node of status.nodes) {
    nodes.push([
      node.nodeId,
      node.live ? `live, ${duration(node.leaseRemainingMs)} left` : 'expired',
      time(node.leaseExpiresAt),
      String(node.inFlight),
    ]);
  }
  return `${summary}\n${nodes.toString()}`;
}
