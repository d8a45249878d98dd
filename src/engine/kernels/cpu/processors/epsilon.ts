import { retainAboveLogCut, type Normalizer, type RowState } from '../row.ts';
import type { Processor } from './processor.ts';
import { exp } from '../exp.ts';

/**
 * HF EpsilonLogitsWarper (Hewitt et al. 2022, truncation sampling): drop tokens with probability
 * below a fixed epsilon; tokens tied with the top score always survive.
 */
export function epsilonCutoff(epsilon: number): Processor {
  return {
    name: 'epsilon_cutoff',
    apply: (st, norm) => dropBelow(st, norm, epsilon),
  };
}

/** Drops tokens whose probability is below `cut`; tokens tied with the top score always survive. */
export function dropBelow(st: RowState, norm: Normalizer, cut: number): void {
  const s = st.s;
  // exp(s - max) / z >= cut is s - max >= ln(cut) + ln(z).
  retainAboveLogCut(st, norm.max, Math.log(cut) + Math.log(norm.z), (id) => exp(s[id] - norm.max) / norm.z >= cut);
}
