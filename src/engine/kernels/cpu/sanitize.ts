import type { RowState } from './row.ts';
import { fill, type TopHeap } from './select.ts';

/**
 * The raw (model) scores of a row after sanitation, read from the caller's logits rather than
 * copied: what rank and raw-probability lookups need once the processors have rewritten the f64
 * scores.
 */
export class RawRow {
  constructor(
    private readonly data: ArrayLike<number>,
    private readonly offset: number,
    readonly vocab: number,
    /** 'finite': at least one finite logit and no +inf; the other two are the sanitation cases. */
    private readonly kind: 'finite' | 'posinf' | 'degenerate',
  ) {}

  /** Sanitized score of token i: NaN -> -inf; +inf rows: 0 on the +inf entries, -inf elsewhere; degenerate rows: 0. */
  score(i: number): number {
    const v = this.data[this.offset + i];
    if (this.kind === 'degenerate') return 0;
    if (this.kind === 'posinf') return v === Infinity ? 0 : -Infinity;
    return Number.isNaN(v) ? -Infinity : v;
  }

  /** Number of tokens with a sanitized score strictly above v. */
  countAbove(v: number): number {
    const { data, offset, vocab } = this;
    if (this.kind !== 'finite') {
      let r = 0;
      for (let i = 0; i < vocab; i++) if (this.score(i) > v) r++;
      return r;
    }
    // NaN compares false, as its sanitized -inf would.
    let r = 0;
    for (let i = 0; i < vocab; i++) if (data[offset + i] > v) r++;
    return r;
  }
}

/**
 * Loads one row of logits into an f64 RowState (in the given arrays) and applies the shared
 * sanitation rules (types.ts): NaN -> -inf; any +inf makes the row the limit distribution (uniform
 * over the +inf entries); a row with no finite logit is treated as all-equal and flagged degenerate.
 * Also returns the max candidate score, found in the same pass, and fills `top` (when given) with
 * the best candidates by sanitized score: the raw top list without a pass of its own.
 */
export function loadRow(
  data: ArrayLike<number>,
  offset: number,
  vocab: number,
  s: Float64Array = new Float64Array(vocab),
  idx: Int32Array = new Int32Array(vocab),
  top?: TopHeap,
): { row: RowState; degenerate: boolean; max: number; raw: RawRow } {
  let posInf = 0;
  let n = 0;
  let max = -Infinity;
  let floor = top ? top.floor : Infinity;
  for (let i = 0; i < vocab; i++) {
    const v = data[offset + i];
    if (v > -Infinity && v < Infinity) {
      s[i] = v;
      idx[n++] = i;
      if (v > max) max = v;
      if (v > floor) floor = top!.offer(i, v);
    } else {
      // NaN fails both comparisons above and lands here too.
      if (v === Infinity) posInf++;
      s[i] = -Infinity;
    }
  }
  let kind: 'finite' | 'posinf' | 'degenerate' = 'finite';
  if (posInf > 0) {
    kind = 'posinf';
    n = 0;
    for (let i = 0; i < vocab; i++) {
      if (data[offset + i] === Infinity) {
        s[i] = 0;
        idx[n++] = i;
      } else s[i] = -Infinity;
    }
    max = 0;
  } else if (n === 0) {
    kind = 'degenerate';
    for (let i = 0; i < vocab; i++) {
      s[i] = 0;
      idx[i] = i;
    }
    n = vocab;
    max = 0;
  }
  // The candidates changed: offer them again, with their sanitized scores.
  if (kind !== 'finite' && top) fill(top, idx, n, top.k, s);
  return { row: { vocab, s, idx, n }, degenerate: kind === 'degenerate', max, raw: new RawRow(data, offset, vocab, kind) };
}
