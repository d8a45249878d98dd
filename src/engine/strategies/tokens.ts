/**
 * Token-level rules the strategies share: when decoding is greedy, which of several scored
 * candidates wins, and the k best ids of a row of scores.
 */

/** Temperature 0 is greedy decoding: the processed distribution's top token, no random draw. */
export function isGreedy(x: { temperature: number }): boolean {
  return x.temperature === 0;
}

/** Index of the largest value, the first one on ties (0 for an empty list). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Ids of the k largest values of scores[offset .. offset + n), best first (ties: lowest id; NaN skipped). */
export function topKIds(scores: ArrayLike<number>, offset: number, n: number, k: number): number[] {
  const ids: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = scores[offset + i];
    if (!(v === v)) continue;
    if (ids.length === k && v <= vals[k - 1]) continue;
    let j = ids.length === k ? k - 1 : ids.length;
    while (j > 0 && vals[j - 1] < v) {
      if (j < k) {
        vals[j] = vals[j - 1];
        ids[j] = ids[j - 1];
      }
      j--;
    }
    vals[j] = v;
    ids[j] = i;
  }
  return ids.slice(0, k);
}
