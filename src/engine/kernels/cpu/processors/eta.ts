import { entropyOf } from '../stats.ts';
import type { Processor } from './processor.ts';
import { dropBelow } from './epsilon.ts';
import { exp } from '../exp.ts';

/**
 * HF EtaLogitsWarper: like epsilon, but the cutoff shrinks with the entropy H of the entering
 * distribution: eta = min(epsilon, sqrt(epsilon) * exp(-H)). Ties with the top score survive.
 */
export function etaCutoff(epsilon: number): Processor {
  return {
    name: 'eta_cutoff',
    apply(st, norm) {
      const h = entropyOf(st, norm);
      dropBelow(st, norm, Math.min(epsilon, Math.sqrt(epsilon) * exp(-h)));
    },
  };
}
