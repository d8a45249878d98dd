/**
 * The working state of one row while processors run: f64 scores for the whole vocabulary plus the
 * list of candidates (tokens whose score is still finite), kept in ascending id order so that every
 * tie-break ("lowest id wins") is a plain left-to-right scan.
 *
 * Stages that truncate only shrink the candidate list (and set removed scores to -inf); after a
 * top-k of 40 the later stages therefore cost O(40), not O(vocab).
 */
export interface RowState {
  readonly vocab: number;
  /** Scores; -inf for removed tokens. */
  readonly s: Float64Array;
  /** Candidate ids in ascending order; only the first n are live. */
  readonly idx: Int32Array;
  n: number;
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
  for (let j = 0; j < n; j++) z += Math.exp(s[idx[j]] - max);
  return { max, z };
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

/** Id of the largest candidate score, lowest id on ties. */
export function argmaxCandidate(st: RowState): number {
  const { s, idx, n } = st;
  let best = idx[0];
  for (let j = 1; j < n; j++) if (s[idx[j]] > s[best]) best = idx[j];
  return best;
}
