import { ErrorCode, KfError } from './kf-error.js';

export interface ConfigIssue {
  /** Dotted path of the field, for example `redis.host[1]` or `conf.consumeStep`. */
  path: string;
  /** What was expected there, and what was found. */
  message: string;
}

/** The config is invalid; the message names every field that is wrong and what was expected. */
export class ConfigError extends KfError {
  readonly name = 'ConfigError';
  readonly code = ErrorCode.ConfigInvalid;
  constructor(
    readonly issues: ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `invalid kf config: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      options,
    );
  }
}
