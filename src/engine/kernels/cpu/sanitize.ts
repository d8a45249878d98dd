import type { RowState } from './row.ts';

/**
 * Copies one row of logits into an f64 RowState and applies the shared sanitation rules
 * (types.ts): NaN -> -inf; any +inf makes the row the limit distribution (uniform over the +inf
 * entries); a row with no finite logit is treated as all-equal and flagged degenerate.
 */
export function loadRow(
  data: ArrayLike<number>,
  offset: number,
  vocab: number,
  s: Float64Array = new Float64Array(vocab),
  idx: Int32Array = new Int32Array(vocab),
): { row: RowState; degenerate: boolean } {
  let posInf = 0;
  let n = 0;
  for (let i = 0; i < vocab; i++) {
    const v = data[offset + i];
    if (v === Infinity) posInf++;
    if (Number.isNaN(v) || v === -Infinity) s[i] = -Infinity;
    else {
      s[i] = v;
      idx[n++] = i;
    }
  }
  let degenerate = false;
  if (posInf > 0) {
    n = 0;
    for (let i = 0; i < vocab; i++) {
      if (s[i] === Infinity) {
        s[i] = 0;
        idx[n++] = i;
      } else s[i] = -Infinity;
    }
  } else if (n === 0) {
    degenerate = true;
    for (let i = 0; i < vocab; i++) {
      s[i] = 0;
      idx[i] = i;
    }
    n = vocab;
  }
  return { row: { vocab, s, idx, n }, degenerate };
}
