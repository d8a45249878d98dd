import { gumbel } from '../../rng.ts';
import type { Normalizer, RowState } from './row.ts';

/**
 * Gumbel-max sampling over the candidates of a processed row: argmax of logq_i + g_i with
 * g_i = gumbel(seed, step, purpose, i). One independent draw per token id, so the same key gives the
 * same token on every backend, and the choice is a parallel argmax (how WGSL does it).
 */
export function gumbelArgmax(st: RowState, norm: Normalizer, seed: number, step: number, purpose: number): number {
  const { s, idx, n } = st;
  const logZ = Math.log(norm.z);
  let best = -1;
  let bestKey = -Infinity;
  for (let j = 0; j < n; j++) {
    const i = idx[j];
    const key = s[i] - norm.max - logZ + gumbel(seed, step, purpose, i);
    if (key > bestKey || best < 0) {
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
