const MASK = '***';

/**
 * Removes every secret (password) from a text, so an error message or a log line can
 * be shown without leaking credentials whatever the driver put into it.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join(MASK);
  }
  return result;
}

/**
 * A copy of a driver error fit to travel as a `cause` or into a log: name, message,
 * stack and `code` only, with secrets masked. ioredis attaches the failed command's
 * arguments to its errors (`error.command.args`), and for `AUTH`/`HELLO` those are
 * the credentials, so the original object must never be passed on.
 */
export function redactedError(error: unknown, secrets: readonly string[]): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error), secrets));
  const copy = new Error(redact(error.message, secrets));
  copy.name = error.name;
  copy.stack = error.stack === undefined ? undefined : redact(error.stack, secrets);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}
