/**
 * A mistake the person at the command line can fix (a file that cannot be read, an
 * option's value), or an outcome to act on: printed as one line, never with a stack.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** The process's exit code: 1 unless said otherwise (130 after Ctrl-C, as shells use). */
  readonly exitCode: number;

  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options?.exitCode ?? 1;
  }
}
