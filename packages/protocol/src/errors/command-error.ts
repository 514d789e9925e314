import { ErrorCode, KfError } from './kf-error.js';

/**
 * The server answered a command with an error, such as `WRONGTYPE` for a list command
 * on a string. `prefix` is the first word of the server's message.
 */
export class CommandError extends KfError {
  readonly name = 'CommandError';
  readonly code = ErrorCode.Command;
  readonly prefix: string;
  constructor(
    readonly command: string,
    readonly serverMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`Redis ${command} failed: ${serverMessage}`, options);
    this.prefix = serverMessage.split(' ', 1)[0] ?? '';
  }
}
