import type { Normalizer } from '../row.ts';
import type { Processor } from './processor.ts';
import { exp } from '../exp.ts';

/**
 * HF RepetitionPenaltyLogitsProcessor: for every distinct token already in the context, a positive
 * score is divided by the penalty and a negative one multiplied (so > 1 always makes it less
 * likely). Duplicates in the context are penalized once; ids outside the vocabulary are ignored.
 *
 * Only the context's tokens change, so the new normalizer is the entering one with their terms
 * swapped, unless the max itself moved (then the chain recomputes it).
 */
export function repetitionPenalty(penalty: number): Processor {
  return {
    name: 'repetition_penalty',
    apply(st, norm, ctx): Normalizer | void {
      const ids = ctx.contextIds;
      if (!ids) return norm;
      const seen = new Set<number>();
      let z = norm.z;
      let maxMoved = false;
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j];
        if (!Number.isInteger(id) || id < 0 || id >= st.vocab || seen.has(id)) continue;
        seen.add(id);
        const v = st.s[id];
        if (v === -Infinity) continue;
        const nv = v < 0 ? v * penalty : v / penalty;
        st.s[id] = nv;
        if (v === norm.max || nv > norm.max) maxMoved = true;
        z += exp(nv - norm.max) - exp(v - norm.max);
      }
      if (!maxMoved) return { max: norm.max, z };
    },
  };
}
