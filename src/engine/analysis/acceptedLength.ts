/**
 * Accepted length per verification step, measured against the distribution that acceptance rates
 * a_i per draft position predict if each position were accepted independently:
 *   P(len = k) = a_1 ... a_k (1 - a_{k+1}),  and the last bucket (every position accepted) takes
 *   the rest, a_1 ... a_K.
 * The speculative view passes one overall rate for every position (the textbook model): the
 * measured conditional rates per position would give back the measured histogram exactly.
 * Gaps between the two show where acceptances are correlated (an easy phrase makes every position
 * easy at once) or where drafts had different lengths.
 */

export interface AcceptedLengthBin {
  length: number;
  /** Steps that accepted exactly `length` drafted tokens. */
  measured: number;
  /** Steps the independent-positions model expects (probability * steps). */
  predicted: number;
  probability: number;
}

/** `lengths`: accepted tokens per step; `rates[i]`: acceptance rate at draft position i + 1. */
export function acceptedLengthHistogram(lengths: readonly number[], rates: readonly number[]): AcceptedLengthBin[] {
  const top = Math.max(rates.length, ...lengths, 0);
  const measured = new Array<number>(top + 1).fill(0);
  for (const l of lengths) measured[l]++;
  const probs = predictedLengths(rates, top);
  return measured.map((m, k) => ({ length: k, measured: m, probability: probs[k], predicted: probs[k] * lengths.length }));
}

/** P(len = k) for k = 0..top from per-position rates (positions past the rates are never reached). */
export function predictedLengths(rates: readonly number[], top = rates.length): number[] {
  const out = new Array<number>(top + 1).fill(0);
  let reach = 1; // P(all positions before k accepted)
  for (let k = 0; k <= top; k++) {
    const a = k < rates.length ? rates[k] : 0;
    out[k] = reach * (1 - a);
    reach *= a;
  }
  return out;
}
