/**
 * Reading node-redis errors. node-redis leaves `name` at `Error` on its own classes, and
 * a caller's `redis` may be another copy or major version than this package's, where
 * `instanceof` fails; the class names along the prototype chain tell them apart.
 */

/** The class names along an error's prototype chain, `SimpleError` → `ErrorReply` → … */
export function classNames(error: unknown): Set<string> {
  const names = new Set<string>();
  let prototype = typeof error === 'object' && error !== null ? Object.getPrototypeOf(error) : null;
  while (prototype && prototype !== Object.prototype) {
    const name = (prototype.constructor as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string') names.add(name);
    prototype = Object.getPrototypeOf(prototype);
  }
  return names;
}

/** A server error reply (`WRONGTYPE …`, `NOSCRIPT …`), as opposed to a client-side failure. */
export function isErrorReply(error: unknown): error is Error {
  return error instanceof Error && classNames(error).has('ErrorReply');
}
