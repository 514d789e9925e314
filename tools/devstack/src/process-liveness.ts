import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Whether `pid` is a running (or stopped) process and, when `command` is given, still
 * the one we started: pids are reused, and a zombie awaiting its reaper counts as dead.
 */
export function isAlive(pid: number, command?: string): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state letter follows the parenthesised command name, which may itself hold spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  if (!command) return true;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(basename(command));
  } catch {
    return false;
  }
}
