/** Checks a TTL option up front: a bad one would otherwise surface as a script error. */
export function ttlOption(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive whole number of milliseconds, got ${value}`);
  }
  return value;
}
