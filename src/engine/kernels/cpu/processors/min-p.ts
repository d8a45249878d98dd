import { retainAboveLogCut } from '../row.ts';
import type { Processor } from './processor.ts';
import { exp } from '../exp.ts';

/**
 * HF MinPLogitsWarper: drop tokens whose probability is below min_p times the top probability (of
 * the distribution entering the stage, i.e. after temperature). The top token always survives.
 */
export function minP(minp: number): Processor {
  return {
    name: 'min_p',
    apply(st, norm) {
      const s = st.s;
      const scaled = minp * (1 / norm.z);
      // p >= min_p * p_top with p_top = 1 / z is exp(s - max) >= min_p.
      retainAboveLogCut(st, norm.max, Math.log(minp), (id) => exp(s[id] - norm.max) / norm.z >= scaled);
    },
  };
}
