/**
 * Starts services side by side; if one fails, stops the ones that did start before
 * rethrowing, so a failed `beforeAll` leaves no server running.
 */
export async function startTogether<T extends readonly { stop(): Promise<void> }[]>(
  ...starts: { [K in keyof T]: Promise<T[K]> }
): Promise<T> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed === undefined) {
    return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
  }
  await Promise.allSettled(
    results.flatMap((r) =>
      r.status === 'fulfilled' ? [(r.value as { stop(): Promise<void> }).stop()] : [],
    ),
  );
  throw failed.reason;
}
