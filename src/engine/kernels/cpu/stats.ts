import type { TopK } from '../top-list.ts';
import type { Normalizer, RowState } from './row.ts';
import { candidateIds } from './row.ts';
import type { RawRow } from './sanitize.ts';
import { topIds } from './select.ts';
import { exp } from './exp.ts';

/** Entropy H = -sum p ln p (nats) of a row's softmax over its candidates (may round a hair below 0). */
export function entropyOf(st: RowState, norm: Normalizer): number {
  const { s, idx, n } = st;
  const logZ = Math.log(norm.z);
  let h = 0;
  for (let j = 0; j < n; j++) {
    const lp = s[idx[j]] - norm.max - logZ;
    const p = exp(lp);
    if (p > 0) h -= p * lp;
  }
  return h;
}

/**
 * The softmax normalizer, entropy H and varentropy (nats) of a row, in one pass with one exp per
 * candidate given its max. With d = s - max and e = exp(d): z = sum e, and under p = e / z,
 * ln p = d - ln z, so H = ln z - E[d] and varentropy = Var[ln p] = E[d^2] - E[d]^2. The difference
 * cannot cancel badly: the top token (d = 0) holds at least 1/z of the mass, and tokens with
 * weight at all have |d| < 750, so the absolute error stays near 1e-12.
 */
export function rowStats(st: RowState, max: number): { norm: Normalizer; entropy: number; varentropy: number } {
  const { s, idx, n } = st;
  const ids = candidateIds(st);
  let z = 0;
  let ed = 0;
  let edd = 0;
  for (let j = 0; j < n; j++) {
    const d = s[ids === null ? j : ids[j]] - max;
    const e = exp(d);
    z += e;
    const x = e * d;
    ed += x;
    edd += x * d;
  }
  // Finite scores more than ~1.8e308 apart give d = -inf and 0 * inf = NaN: redo with the
  // zero-weight terms skipped (kept out of the loop above, where a branch costs).
  if (Number.isNaN(edd)) {
    ed = 0;
    edd = 0;
    for (let j = 0; j < n; j++) {
      const d = s[idx[j]] - max;
      const e = exp(d);
      if (e > 0) {
        ed += e * d;
        edd += e * d * d;
      }
    }
  }
  return fromMoments(max, z, ed, edd);
}

/** The normalizer, entropy and varentropy from z = sum e, ed = sum e*d, edd = sum e*d^2 (see rowStats). */
export function fromMoments(max: number, z: number, ed: number, edd: number): { norm: Normalizer; entropy: number; varentropy: number } {
  const mean = ed / z;
  // Rounding can leave either a hair below 0 for one-hot rows; both are non-negative by definition.
  return { norm: { max, z }, entropy: Math.max(0, Math.log(z) - mean), varentropy: Math.max(0, edd / z - mean * mean) };
}

/** The k most probable candidates with probabilities and log-probabilities. */
export function topKOf(st: RowState, norm: Normalizer, k: number): TopK {
  return topListOf(topIds(candidateIds(st), st.n, k, st.s), st, norm);
}

/** A top list's probabilities and log-probabilities, for ids already chosen (best first). */
export function topListOf(ids: number[], st: RowState, norm: Normalizer): TopK {
  const s = st.s;
  const logZ = Math.log(norm.z);
  const logprobs = ids.map((id) => s[id] - norm.max - logZ);
  return { ids, probs: logprobs.map(exp), logprobs };
}

/**
 * Rank of a token in the raw distribution: the number of tokens with a strictly larger score (0 for
 * the top token, ties share a rank). A token in the raw top-k list is ranked from the list alone:
 * every token outside it scores no higher than the list's last entry.
 */
export function rankOf(raw: RawRow, rawTop: TopK, token: number): number {
  const v = raw.score(token);
  const at = rawTop.ids.indexOf(token);
  if (at < 0) return raw.countAbove(v);
  let r = 0;
  for (let j = 0; j < at; j++) if (raw.score(rawTop.ids[j]) > v) r++;
  return r;
}

/** Top-k of an explicit probability vector (residual distributions). */
export function topKOfProbs(probs: ArrayLike<number>, k: number): TopK {
  const all: number[] = [];
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) all.push(i);
  const ids = topIds(all, all.length, k, probs);
  const ps = ids.map((id) => probs[id]);
  return { ids, probs: ps, logprobs: ps.map(Math.log) };
}
