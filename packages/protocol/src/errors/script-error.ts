import { ErrorCode, KfError } from './kf-error.js';

/** A Lua script failed on the server: a runtime error, or an error reply it returned. */
export class ScriptError extends KfError {
  readonly name = 'ScriptError';
  readonly code = ErrorCode.Script;
  constructor(
    readonly scriptName: string,
    readonly serverMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`Redis script ${scriptName} failed: ${serverMessage}`, options);
  }
}
