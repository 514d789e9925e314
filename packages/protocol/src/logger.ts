import { redact, redactedError } from './redaction.js';

/**
 * The logger kf's packages accept, pino's shape: an object of fields first, then the
 * message. A pino or bunyan logger fits as it is.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const ignore = (): void => undefined;

/** Libraries stay silent unless the application hands them a logger. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * Wraps a logger so no credential reaches it, whatever a driver error carries: the
 * `err` field becomes a masked copy and the message is masked too.
 */
export function redactingLogger(logger: Logger, secrets: readonly string[]): Logger {
  const clean = (fields: object): object => {
    const { err, ...rest } = fields as { err?: unknown };
    return err === undefined ? rest : { ...rest, err: redactedError(err, secrets) };
  };
  return {
    debug: (fields, message) => logger.debug(clean(fields), redact(message, secrets)),
    info: (fields, message) => logger.info(clean(fields), redact(message, secrets)),
    warn: (fields, message) => logger.warn(clean(fields), redact(message, secrets)),
    error: (fields, message) => logger.error(clean(fields), redact(message, secrets)),
  };
}
