import { gumbelAt, gumbelOf, streamKey, uniformAt } from '../../rng.ts';
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
 * A cheaper test before the two logs of a draw. A token needs g > t to beat the best key (t = best
 * key minus its log-prob), and g(u) > t only when u > exp(-exp(-t)), a bound that grows with t.
 * U_BELOW[j] is exp(-exp(-j)) lowered by a relative 1e-9 (far beyond the logs' rounding), so
 * u < U_BELOW[j] with t >= j proves g(u) < t: the token is skipped on its hash alone, exactly.
 * Most tail tokens have t of several nats, where all but a few percent are skipped.
 */
const U_BELOW = Float64Array.from({ length: 17 }, (_, j) => Math.exp(-Math.exp(-j)) * (1 - 1e-9));

/**
 * Gumbel-max sampling over the candidates of a processed row: argmax of logq_i + g_i with
 * g_i = gumbel(seed, step, purpose, i). One independent draw per token id, so the same key gives the
 * same token on every backend, and the choice is a parallel argmax (how WGSL does it).
 */
export function gumbelArgmax(st: RowState, norm: Normalizer, seed: number, step: number, purpose: number, argmax = argmaxCandidate(st)): number {
  const { s, idx, n } = st;
  const logZ = Math.log(norm.z);
  const stream = streamKey(seed, step, purpose);
  // Start from the most probable token (`argmax`, when the caller knows it): its key is a high bar
  // that prunes most of the tail. Any candidate gives the same result, only slower.
  let best = argmax;
  let bestKey = s[best] - norm.max - logZ + gumbelAt(stream, best);
  for (let j = 0; j < n; j++) {
    const i = idx[j];
    const lq = s[i] - norm.max - logZ;
    // The token wins only if its noise g exceeds t (GUMBEL_MAX's slack covers the rounding).
    const t = bestKey - lq;
    if (t > GUMBEL_MAX || i === best) continue;
    let g: number;
    if (t >= 0) {
      const u = uniformAt(stream, i);
      if (u < U_BELOW[t >= 16 ? 16 : Math.floor(t)]) continue;
      g = gumbelOf(u);
    } else g = gumbelAt(stream, i);
    const key = lq + g;
    if (key > bestKey || (key === bestKey && i < best)) {
      best = i;
      bestKey = key;
    }
  }
  return best;
}

/** Gumbel-max over an explicit probability vector (tokens with p = 0 never win; lowest id on ties). */
export function gumbelArgmaxProbs(probs: ArrayLike<number>, seed: number, step: number, purpose: number): number {
  let best = -1;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0 && (best < 0 || probs[i] > probs[best])) best = i;
  if (best < 0) return -1;
  const stream = streamKey(seed, step, purpose);
  let bestKey = Math.log(probs[best]) + gumbelAt(stream, best);
  // The same pruning as gumbelArgmax, on probabilities (no log per token): p below
  // exp(bestKey - GUMBEL_MAX) cannot reach the bar, and p <= pAt[j] = exp(bestKey - j) means
  // t >= j for the U_BELOW test (the 1e-6 and U_BELOW's margins cover exp's rounding).
  const pAt = new Float64Array(17);
  let floor = 0;
  const raise = () => {
    floor = Math.exp(bestKey - GUMBEL_MAX - 1e-6);
    for (let j = 0; j < 17; j++) pAt[j] = Math.exp(bestKey - j);
  };
  raise();
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!(p > 0) || p < floor || i === best) continue;
    let g: number;
    if (p <= pAt[0]) {
      // The largest j <= 15 with p <= pAt[j] (pAt decreases): a binary search, four comparisons.
      let j = p <= pAt[8] ? 8 : 0;
      if (p <= pAt[j + 4]) j += 4;
      if (p <= pAt[j + 2]) j += 2;
      if (p <= pAt[j + 1]) j += 1;
      const u = uniformAt(stream, i);
      if (u < U_BELOW[j]) continue;
      g = gumbelOf(u);
    } else g = gumbelAt(stream, i);
    const key = Math.log(p) + g;
    if (key > bestKey || (key === bestKey && i < best)) {
      best = i;
      bestKey = key;
      raise();
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
