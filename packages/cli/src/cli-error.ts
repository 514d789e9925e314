/**
 * A mistake the person at the command line can fix (a file that cannot be read, an
 * option's value): printed as one line, never with a stack.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
}
