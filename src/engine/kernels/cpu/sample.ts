import { gumbel } from '../../rng.ts';
import type { Normalizer, RowState } from './row.ts';
import { argmaxCandidate } from './row.ts';

/**
 * The largest value gumbel() can return: uniform() never exceeds (2^23 - 0.5) / 2^23, so
 * g <= -ln(-ln(that)) ~ 16.6 (plus a hair for rounding). A token whose log-prob is more than this
 * below the best key so far cannot win, so its hash need not be computed: exact, and on a peaked
 * 262k-vocabulary row it skips almost every token.
 */
const GUMBEL_MAX = -Math.log(-Math.log((8388607 + 0.5) / 8388608)) + 1e-9;

/**
 * Gumbel-max sampling over the candidates of a processed row: argmax of logq_i + g_i with
 * g_i = gumbel(seed, step, purpose, i). One independent draw per token id, so the same key gives the
 * same token on every backend, and the choice is a parallel argmax (how WGSL does it).
 */
export function gumbelArgmax(st: RowState, norm: Normalizer, seed: number, step: number, purpose: number): number {
  const { s, idx, n } = st;
  const logZ = Math.log(norm.z);
  // Start from the most probable token: its key is a high bar that prunes most of the tail.
  let best = argmaxCandidate(st);
  let bestKey = s[best] - norm.max - logZ + gumbel(seed, step, purpose, best);
  for (let j = 0; j < n; j++) {
    const i = idx[j];
    const lq = s[i] - norm.max - logZ;
    if (lq + GUMBEL_MAX < bestKey || i === best) continue;
    const key = lq + gumbel(seed, step, purpose, i);
    if (key > bestKey || (key === bestKey && i < best)) {
      best = i;
      bestKey = key;
    }
  }
  return best;
}

/** Gumbel-max over an explicit probability vector (tokens with p = 0 never win). */
export function gumbelArgmaxProbs(probs: ArrayLike<number>, seed: number, step: number, purpose: number): number {
  let best = -1;
  let bestKey = -Infinity;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!(p > 0)) continue;
    const key = Math.log(p) + gumbel(seed, step, purpose, i);
    if (key > bestKey || best < 0) {
      best = i;
      bestKey = key;
    }
  }
  return best;
}

/** Index of the largest value, lowest index on ties (-1 for an empty vector). */
export function argmaxOf(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i] > values[best]) best = i;
  return best;
}
