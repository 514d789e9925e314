/**
 * The known key an unknown one was probably meant as: the same letters in another case
 * or spelling (`consume-step`, `consume_step` for `consumeStep`, as kafka-clj users
 * write them), or one or two typos away. `undefined` when nothing is close.
 */
export function closestKey(unknown: string, known: readonly string[]): string | undefined {
  const wanted = normalise(unknown);
  const same = known.find((key) => normalise(key) === wanted);
  if (same !== undefined) return same;
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(wanted, normalise(key));
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, '');
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        substitution,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
