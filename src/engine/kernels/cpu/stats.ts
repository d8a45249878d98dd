import type { TopK } from '../types.ts';
import type { Normalizer, RowState } from './row.ts';
import { topIds } from './select.ts';

/** Entropy H = -sum p ln p (nats) of a row's softmax over its candidates (may round a hair below 0). */
export function entropyOf(st: RowState, norm: Normalizer): number {
  const { s, idx, n } = st;
  const logZ = Math.log(norm.z);
  let h = 0;
  for (let j = 0; j < n; j++) {
    const lp = s[idx[j]] - norm.max - logZ;
    const p = Math.exp(lp);
    if (p > 0) h -= p * lp;
  }
  return h;
}

/** Entropy H = -sum p ln p and varentropy sum p (ln p + H)^2 (nats) of a row's softmax. */
export function entropyStats(st: RowState, norm: Normalizer): { entropy: number; varentropy: number } {
  const { s, idx, n } = st;
  const logZ = Math.log(norm.z);
  const h = entropyOf(st, norm);
  let v = 0;
  for (let j = 0; j < n; j++) {
    const lp = s[idx[j]] - norm.max - logZ;
    const p = Math.exp(lp);
    if (p > 0) v += p * (lp + h) * (lp + h);
  }
  // Rounding can leave H a hair below 0 for one-hot rows; entropy is non-negative by definition.
  return { entropy: Math.max(0, h), varentropy: v };
}

/** The k most probable candidates with probabilities and log-probabilities. */
export function topKOf(st: RowState, norm: Normalizer, k: number): TopK {
  const s = st.s;
  const ids = topIds(st.idx, st.n, k, (id) => s[id]);
  const logZ = Math.log(norm.z);
  const logprobs = ids.map((id) => s[id] - norm.max - logZ);
  return { ids, probs: logprobs.map(Math.exp), logprobs };
}

/** Number of tokens with a strictly larger score: 0 for the top token, ties share a rank. */
export function rankOf(scores: Float64Array, token: number): number {
  const v = scores[token];
  let r = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > v) r++;
  return r;
}

/** Top-k of an explicit probability vector (residual distributions). */
export function topKOfProbs(probs: ArrayLike<number>, k: number): TopK {
  const all = Array.from({ length: probs.length }, (_, i) => i).filter((i) => probs[i] > 0);
  const ids = topIds(all, all.length, k, (id) => probs[id]);
  const ps = ids.map((id) => probs[id]);
  return { ids, probs: ps, logprobs: ps.map(Math.log) };
}
