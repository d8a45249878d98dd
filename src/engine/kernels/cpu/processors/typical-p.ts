import { retain } from '../row.ts';
import type { Processor } from './processor.ts';
import { checkRange } from './processor.ts';

/**
 * HF TypicalLogitsWarper (Meister et al. 2022, locally typical sampling): order tokens by how far
 * their surprisal -log p is from the entropy H, accumulate probability in that order and cut at the
 * first position where the cumulative mass reaches `mass`; every token whose distance is <= the
 * distance at that position survives (ties kept), and the most typical token always does.
 */
export function typicalP(mass: number): Processor {
  checkRange('typical_p', mass, 0, 1);
  return {
    name: 'typical_p',
    apply(st, norm) {
      const { s, idx, n } = st;
      const logZ = Math.log(norm.z);
      const lp = new Float64Array(n);
      let h = 0;
      for (let j = 0; j < n; j++) {
        lp[j] = s[idx[j]] - norm.max - logZ;
        const p = Math.exp(lp[j]);
        if (p > 0) h -= p * lp[j];
      }
      const dist = new Float64Array(n);
      for (let j = 0; j < n; j++) dist[j] = Math.abs(-lp[j] - h);
      const order = Array.from({ length: n }, (_, j) => j);
      order.sort((a, b) => dist[a] - dist[b] || a - b);
      let cum = 0;
      let last = n - 1; // HF clamps to the last position when the mass is never reached
      for (let r = 0; r < n; r++) {
        cum += Math.exp(lp[order[r]]);
        if (!(cum < mass)) {
          last = r;
          break;
        }
      }
      const threshold = dist[order[last]];
      const first = order[0];
      retain(st, (_id, j) => j === first || dist[j] <= threshold);
    },
  };
}
