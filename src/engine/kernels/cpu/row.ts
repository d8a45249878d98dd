import { exp } from './exp.ts';
import { TopHeap } from './select.ts';

/**
 * The working state of one row while processors run: f64 scores for the whole vocabulary plus the
 * list of candidates (tokens whose score is still finite), kept in ascending id order so that every
 * tie-break ("lowest id wins") is a plain left-to-right scan.
 *
 * Stages that truncate only shrink the candidate list (and set removed scores to -inf); after a
 * top-k of 40 the later stages therefore cost O(40), not O(vocab).
 *
 * `s` and `idx` may be reused from row to row (RowBuffers): a RowState is valid until the next row
 * is loaded into the same buffers.
 */
export interface RowState {
  readonly vocab: number;
  /** Scores; -inf for removed tokens. */
  readonly s: Float64Array;
  /**
   * Candidate ids in ascending order; only the first n are live. With n === vocab they are
   * 0..vocab-1, which hot loops use to skip reading idx (`candidateIds`).
   */
  readonly idx: Int32Array;
  n: number;
  /**
   * Scratch for exp(s_i - expMax) of the candidates, filled by a stage that computes them anyway
   * (temperature), so the processed probabilities need no second exp pass. Valid while expMax is
   * set: the chain clears it before each stage and keeps it across a stage that only dropped
   * candidates (survivors' scores unchanged).
   */
  exps?: Float64Array;
  expMax?: number;
}

/** The candidate ids array, or null when every token is a candidate (then candidate j is token j). */
export function candidateIds(st: RowState): Int32Array | null {
  return st.n === st.vocab ? null : st.idx;
}

/** Max score and sum of exp(s - max) over the candidates: a softmax without allocating probs. */
export interface Normalizer {
  max: number;
  /** Sum over candidates of exp(s_i - max); >= 1 because the max itself contributes 1. */
  z: number;
}

export function normalizer(st: RowState): Normalizer {
  const { s, idx, n } = st;
  let max = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = s[idx[j]];
    if (v > max) max = v;
  }
  let z = 0;
  for (let j = 0; j < n; j++) z += exp(s[idx[j]] - max);
  return { max, z };
}

/** Reusable score and candidate arrays for one vocabulary size, so a step allocates nothing of size V. */
export class RowBuffers {
  s = new Float64Array(0);
  idx = new Int32Array(0);
  exps = new Float64Array(0);
  /** The raw top list, filled by the load pass. */
  readonly top = new TopHeap();
  /** The arrays for a row of `vocab` entries (reallocated only when the vocabulary changes). */
  forVocab(vocab: number): { s: Float64Array; idx: Int32Array; exps: Float64Array; top: TopHeap } {
    if (this.s.length !== vocab) {
      this.s = new Float64Array(vocab);
      this.idx = new Int32Array(vocab);
      this.exps = new Float64Array(vocab);
    }
    return this;
  }
}

/**
 * Removes candidates for which `keep(id, j)` is false (j = the candidate's position before this
 * call); preserves ascending order. Returns the new n.
 */
export function retain(st: RowState, keep: (id: number, j: number) => boolean): number {
  const { s, idx } = st;
  let w = 0;
  for (let j = 0; j < st.n; j++) {
    const id = idx[j];
    if (keep(id, j)) idx[w++] = id;
    else s[id] = -Infinity;
  }
  st.n = w;
  return w;
}

/** Keeps the candidates scoring at least `threshold` (a top-k cut); `retain` without a call per token. */
export function retainAtLeast(st: RowState, threshold: number): number {
  const { s, idx } = st;
  let w = 0;
  for (let j = 0; j < st.n; j++) {
    const id = idx[j];
    if (s[id] >= threshold) idx[w++] = id;
    else s[id] = -Infinity;
  }
  st.n = w;
  return w;
}

/**
 * `retain` for stages that keep tokens whose probability clears a cut, with the cut known in the
 * log domain: a candidate whose s - max is clearly above `logCut` is kept and one clearly below is
 * dropped without calling `keep`, the stage's exact test, which decides the few within rounding
 * distance of the cut (so the result is exactly the exact test's, without an exp per token).
 * Candidates at the max are always kept.
 */
export function retainAboveLogCut(st: RowState, max: number, logCut: number, keep: (id: number) => boolean): number {
  // Near the subnormal range the exact test's rounding is no longer relative: no shortcut there.
  if (logCut < -700) return retain(st, (id) => st.s[id] === max || keep(id));
  const { s, idx } = st;
  // exp, log and one division or multiplication each round by under 2^-52 relative, i.e. shift
  // the comparison by ~1e-15 in the log domain; 1e-9 (relative for large cuts) is far outside that.
  const margin = logCut === Infinity ? 0 : 1e-9 * (1 + Math.abs(logCut));
  const hi = logCut + margin;
  const lo = logCut - margin;
  let w = 0;
  for (let j = 0; j < st.n; j++) {
    const id = idx[j];
    const v = s[id];
    const d = v - max;
    if (v === max || d > hi || (d >= lo && keep(id))) idx[w++] = id;
    else s[id] = -Infinity;
  }
  st.n = w;
  return w;
}

/** Drops every candidate but `id` (greedy): `retain` with a fill instead of a test per token. */
export function keepOnly(st: RowState, id: number): void {
  const v = st.s[id];
  st.s.fill(-Infinity);
  st.s[id] = v;
  st.idx[0] = id;
  st.n = 1;
}

/** Id of the largest candidate score, lowest id on ties. */
export function argmaxCandidate(st: RowState): number {
  const { s, idx, n } = st;
  let best = idx[0];
  let bestV = s[best];
  for (let j = 1; j < n; j++) {
    const v = s[idx[j]];
    if (v > bestV) {
      best = idx[j];
      bestV = v;
    }
  }
  return best;
}
