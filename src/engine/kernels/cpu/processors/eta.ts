import { retain } from '../row.ts';
import type { Processor } from './processor.ts';
import { checkRange } from './processor.ts';

/**
 * HF EtaLogitsWarper: like epsilon, but the cutoff shrinks with the entropy H of the entering
 * distribution: eta = min(epsilon, sqrt(epsilon) * exp(-H)). Ties with the top score survive.
 */
export function etaCutoff(epsilon: number): Processor {
  checkRange('eta_cutoff', epsilon, 0, 1, false, true);
  return {
    name: 'eta_cutoff',
    apply(st, norm) {
      const { s, idx, n } = st;
      const logZ = Math.log(norm.z);
      let h = 0;
      for (let j = 0; j < n; j++) {
        const lp = s[idx[j]] - norm.max - logZ;
        const p = Math.exp(lp);
        if (p > 0) h -= p * lp;
      }
      const eta = Math.min(epsilon, Math.sqrt(epsilon) * Math.exp(-h));
      retain(st, (id) => s[id] === norm.max || Math.exp(s[id] - norm.max) / norm.z >= eta);
    },
  };
}
