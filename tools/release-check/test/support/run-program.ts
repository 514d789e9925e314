import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProgramOptions {
  cwd: string;
  timeoutMs: number;
  /** Aborting kills the program: the test's afterAll stops whatever still runs. */
  signal: AbortSignal;
}

/**
 * Runs `command` as a user would in their project, with the machine's PATH only, and
 * resolves with its stdout. A failure says which command, how it ended and what it wrote.
 */
export async function runProgram(
  command: string,
  args: string[],
  { cwd, timeoutMs, signal }: ProgramOptions,
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd,
      env: { PATH: process.env.PATH },
      timeout: timeoutMs,
      signal,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failed = error as { code?: unknown; signal?: unknown; killed?: boolean };
    const output = error as { stdout?: string; stderr?: string };
    const ended = failed.killed
      ? `was killed after ${timeoutMs} ms`
      : `ended with ${failed.signal ? `signal ${String(failed.signal)}` : `exit code ${String(failed.code)}`}`;
    throw new Error(
      `${[command, ...args].join(' ')} (in ${cwd}) ${ended}\n` +
        `stderr:\n${tail(output.stderr)}\nstdout:\n${tail(output.stdout)}`,
      { cause: error },
    );
  }
}

/** `runProgram`, with stdout parsed as the JSON the program prints. */
export async function runJson<T>(
  command: string,
  args: string[],
  options: ProgramOptions,
): Promise<T> {
  const stdout = await runProgram(command, args, options);
  try {
    return JSON.parse(stdout) as T;
  } catch (error) {
    throw new Error(`${command} printed no JSON:\n${tail(stdout)}`, { cause: error });
  }
}

/** The end of an output: what went wrong is usually there, and a summary may be long. */
function tail(text: string | undefined): string {
  const trimmed = (text ?? '').trim();
  return trimmed.length > 4000 ? `…${trimmed.slice(-4000)}` : trimmed || '(nothing)';
}
