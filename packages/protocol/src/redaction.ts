const MASK = '***';

// `redis://user:secret@host` in a driver message: the credentials part is masked even
// when the adapter was not told the secret (a client the caller configured by URL).
const URL_CREDENTIALS = /(rediss?:\/\/)[^@/\s]*@/gi;

/**
 * Masks every secret, and any credentials written into a Redis URL, in a text, so an
 * error message or a log line can be shown whatever a driver put into it.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text.replace(URL_CREDENTIALS, `$1${MASK}@`);
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join(MASK);
  }
  return result;
}

/**
 * Drivers leave `name` at `Error` on some of their classes (node-redis does); the
 * constructor's name is what a reader needs to see then.
 */
function readableName(error: Error): string {
  const className = error.constructor?.name;
  return error.name === 'Error' && className && className !== 'Error' ? className : error.name;
}

/**
 * A copy of a driver error fit to travel as a `cause` or into a log: name, message,
 * stack, `code` and cause only, masked. The original may hold the failed command's
 * arguments (ioredis keeps `AUTH`'s) or references to the client and its options, so
 * it is never passed on.
 */
export function redactedError(error: unknown, secrets: readonly string[]): Error {
  return redactedCopy(error, secrets, new Map());
}

/** `copies` holds the errors already copied: a cause chain that loops back stays a loop. */
function redactedCopy(
  error: unknown,
  secrets: readonly string[],
  copies: Map<Error, Error>,
): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error), secrets));
  const seen = copies.get(error);
  if (seen) return seen;
  const copy = new Error(redact(error.message, secrets));
  copies.set(error, copy);
  copy.name = readableName(error);
  copy.stack = error.stack === undefined ? undefined : redact(error.stack, secrets);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  if (error.cause !== undefined) copy.cause = redactedCopy(error.cause, secrets, copies);
  return copy;
}
