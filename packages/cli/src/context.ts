import { type GroupAdmin, openGroupAdmin } from '@kf/consumer';
import type { Command } from 'commander';
import { type ConfigSources, loadConfig } from './load-config.js';
import type { Io } from './output.js';

/** What every command gets: where to write, and the group's admin. */
export interface CommandContext {
  io: Io;
  env: Readonly<Record<string, string | undefined>>;
}

interface GlobalOptions extends ConfigSources {
  timeout: number;
}

/**
 * Opens the group the global options name, runs `work` with its admin, and closes it
 * whatever happened.
 */
export async function withAdmin<T>(
  command: Command,
  context: CommandContext,
  work: (admin: GroupAdmin) => Promise<T>,
): Promise<T> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const config = loadConfig(options, context.env);
  // One bound for every answer: a command line waits no longer for a command than for a
  // connection, unless the config's redis.timeout says otherwise.
  if (typeof config.redis === 'object' && config.redis !== null) {
    config.redis = { timeout: options.timeout, ...config.redis };
  }
  const admin = await openGroupAdmin(config, { connectTimeoutMs: options.timeout });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}
