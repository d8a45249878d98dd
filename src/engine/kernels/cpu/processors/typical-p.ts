import { retain } from '../row.ts';
import { scratch, weightedQuantile } from '../select.ts';
import type { Processor } from './processor.ts';
import { exp } from '../exp.ts';

/**
 * HF TypicalLogitsWarper (Meister et al. 2022, locally typical sampling): order tokens by how far
 * their surprisal -log p is from the entropy H, accumulate probability in that order and cut at the
 * first position where the cumulative mass reaches `mass`; every token whose distance is <= the
 * distance at that position survives (ties kept), and the most typical token always does.
 *
 * The cut distance is a weighted quantile, found in O(n) without sorting.
 */
export function typicalP(mass: number): Processor {
  return {
    name: 'typical_p',
    apply(st, norm) {
      const { s, idx, n } = st;
      const logZ = Math.log(norm.z);
      const dist = scratch(0, n);
      const w = scratch(1, n);
      let h = 0;
      for (let j = 0; j < n; j++) {
        const lp = s[idx[j]] - norm.max - logZ;
        dist[j] = lp; // temporarily the log-prob
        w[j] = exp(lp);
        if (w[j] > 0) h -= w[j] * lp;
      }
      for (let j = 0; j < n; j++) dist[j] = Math.abs(-dist[j] - h);
      const keepDist = scratch(2, n);
      keepDist.set(dist.subarray(0, n));
      const q = weightedQuantile(dist, w, n, mass);
      if (!q) return; // HF clamps to the last position: everything stays
      // The minimum distance is always <= the cut, so the most typical token is always kept.
      retain(st, (_id, j) => keepDist[j] <= q.value);
    },
  };
}
