import type { Processor } from './processor.ts';

/**
 * HF RepetitionPenaltyLogitsProcessor: for every distinct token already in the context, a positive
 * score is divided by the penalty and a negative one multiplied (so > 1 always makes it less
 * likely). Duplicates in the context are penalized once; ids outside the vocabulary are ignored.
 */
export function repetitionPenalty(penalty: number): Processor {
  return {
    name: 'repetition_penalty',
    apply(st, _norm, ctx) {
      const ids = ctx.contextIds;
      if (!ids) return;
      const seen = new Set<number>();
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j];
        if (!Number.isInteger(id) || id < 0 || id >= st.vocab || seen.has(id)) continue;
        seen.add(id);
        const v = st.s[id];
        if (v === -Infinity) continue;
        st.s[id] = v < 0 ? v * penalty : v / penalty;
      }
    },
  };
}
