import { readFile } from 'node:fs/promises';

/** /proc counts CPU time in USER_HZ ticks, 100 a second on Linux whatever the kernel's HZ. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) process `pid` has used, from /proc/<pid>/stat: the broker's
 * share of the machine, measured from outside as the bench cannot ask the JVM.
 */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
