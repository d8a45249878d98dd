import type { Normalizer, RowState } from '../row.ts';
import { argmaxCandidate, candidateIds, keepOnly, retain } from '../row.ts';
import { entropyOf } from '../stats.ts';
import type { Processor } from './processor.ts';
import { exp } from '../exp.ts';

/**
 * Temperature, optionally entropy-adaptive (llama.cpp "dynatemp"):
 *   T = minT + (maxT - minT) * (H / ln N)^exponent, minT = max(0, t - range), maxT = t + range,
 * with H the entropy of the entering distribution and N its number of candidates. A confident
 * (low-entropy) step is sharpened, an uncertain one flattened.
 *
 * Scores are rescaled as (s - max) / T rather than s / T: softmax is shift-invariant, the max stays
 * exactly 0, and a temperature near 0 can only push others to -inf (never the max to +inf).
 * T = 0 is greedy: only the argmax (lowest id on ties) survives, its score untouched.
 */
export function temperature(t: number, range = 0, exponent = 1): Processor {
  return {
    name: 'temperature',
    // dynatemp reads the entropy; T = 0 drops every token but one, whose removed mass needs z.
    readsZ: range > 0 || t === 0,
    fixedTemperature: range > 0 || t === 0 ? undefined : t,
    apply(st, norm, ctx) {
      const T = range > 0 ? dynamicTemperature(st, norm, t, range, exponent) : t;
      ctx.temperature = T;
      if (T === 0) {
        keepOnly(st, argmaxCandidate(st));
        return;
      }
      const { s, n, exps } = st;
      const { z, overflow } = rescale(s, candidateIds(st), n, norm.max, T, exps);
      if (exps) st.expMax = 0;
      // A tiny T can push a far-below-max score to -inf: it is masked now, keep the invariant that
      // candidates have finite scores. (Those added exp(-inf) = 0 to z.)
      if (overflow) retain(st, (id) => s[id] !== -Infinity);
      return { max: 0, z };
    },
  };
}

function dynamicTemperature(st: RowState, norm: Normalizer, t: number, range: number, exponent: number): number {
  const minT = Math.max(0, t - range);
  const maxT = t + range;
  if (st.n <= 1) return minT;
  const h = entropyOf(st, norm);
  const normalized = Math.min(1, Math.max(0, h / Math.log(st.n)));
  return minT + (maxT - minT) * Math.pow(normalized, exponent);
}

/**
 * s_i = (s_i - max) / T over the candidates, and z = sum of exp(s_i) (the new max is 0); the terms
 * go to `exps` when given. A function of its own, on plain arrays: V8 ran this loop ~1.3x faster
 * than the same loop inside the processor's closure (reading `norm.max` and `st` fields there).
 */
function rescale(s: Float64Array, ids: Int32Array | null, n: number, max: number, T: number, exps: Float64Array | undefined): { z: number; overflow: boolean } {
  // Multiply by 1/T: a division per token costs more than the rest of the pass but the exp.
  // For a denormal T, 1/T is +inf and 0 * inf would be NaN: there, divide.
  const inv = 1 / T;
  const divide = inv === Infinity;
  let overflow = false;
  let z = 0;
  for (let j = 0; j < n; j++) {
    const i = ids === null ? j : ids[j];
    const v = divide ? (s[i] - max) / T : (s[i] - max) * inv;
    s[i] = v;
    if (v === -Infinity) overflow = true;
    const e = exp(v);
    if (exps) exps[i] = e;
    z += e;
  }
  return { z, overflow };
}
