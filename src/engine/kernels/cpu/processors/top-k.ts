import { candidateIds, retainAtLeast } from '../row.ts';
import { kthLargestScore } from '../select.ts';
import type { Processor } from './processor.ts';

/**
 * HF TopKLogitsWarper: keep every token whose score is >= the k-th largest score, so ties at the
 * k-th value are all kept. k larger than the candidates left keeps everything. The threshold is
 * found by a bounded heap or quickselect (O(n)), not by sorting.
 */
export function topK(k: number): Processor {
  const kk = Math.max(k, 1); // min_tokens_to_keep = 1
  return {
    name: 'top_k',
    topK: kk,
    apply(st) {
      if (kk >= st.n) return;
      retainAtLeast(st, kthLargestScore(st.s, candidateIds(st), st.n, kk));
    },
  };
}
