import { retain } from '../row.ts';
import { scratch, weightedQuantile } from '../select.ts';
import type { Processor } from './processor.ts';
import { exp } from '../exp.ts';

/**
 * HF TopPLogitsWarper (nucleus): in descending score order (ties: lower id first), keep a token
 * while the mass strictly above it is < p; the top token is always kept (so p = 0 keeps one).
 *
 * No sort: the score s* of the last kept token is a weighted quantile (on negated scores), found in
 * O(n). Every token above s* is kept; tokens tied at s* are kept in id order while the mass above
 * them stays < p.
 */
export function topP(p: number): Processor {
  return {
    name: 'top_p',
    apply(st, norm) {
      const { s, idx, n } = st;
      const neg = scratch(0, n);
      const w = scratch(1, n);
      for (let j = 0; j < n; j++) {
        neg[j] = -s[idx[j]];
        w[j] = exp(s[idx[j]] - norm.max) / norm.z;
      }
      const q = weightedQuantile(neg, w, n, p);
      if (!q) return; // the whole distribution never reaches p (rounding): keep everything
      const cut = -q.value;
      let above = q.below;
      let first = true;
      retain(st, (id) => {
        const v = s[id];
        if (v > cut) return true;
        if (v < cut) return false;
        const keep = above < p || first; // `first`: the top token survives even p = 0
        first = false;
        above += exp(v - norm.max) / norm.z;
        return keep;
      });
    },
  };
}
