import { retain } from '../row.ts';
import { kthLargest } from '../select.ts';
import type { Processor } from './processor.ts';

/**
 * HF TopKLogitsWarper: keep every token whose score is >= the k-th largest score, so ties at the
 * k-th value are all kept. k larger than the candidates left keeps everything. The threshold is
 * found by quickselect (O(n)), not by sorting.
 */
export function topK(k: number): Processor {
  const kk = Math.max(k, 1); // min_tokens_to_keep = 1
  return {
    name: 'top_k',
    apply(st) {
      if (kk >= st.n) return;
      const vals = new Float64Array(st.n);
      for (let j = 0; j < st.n; j++) vals[j] = st.s[st.idx[j]];
      const threshold = kthLargest(vals, st.n, kk);
      const s = st.s;
      retain(st, (id) => s[id] >= threshold);
    },
  };
}
