import type { StageName, StageStat } from '../types.ts';
import type { Processor, RowContext } from './processors/index.ts';
import type { Normalizer, RowState } from './row.ts';
import { normalizer } from './row.ts';
import { exp } from './exp.ts';

/**
 * Runs a processor chain over one row and records, per stage, how many candidates survive and how
 * much probability mass (of the distribution entering the stage) it removed — the waterfall view.
 * Returns the normalizer of the final (processed) distribution.
 */
export function runChain(
  st: RowState,
  chain: Processor[],
  ctx: RowContext,
  stages: StageStat[],
  entering: Normalizer = normalizer(st),
): Normalizer {
  let norm = entering;
  for (const proc of chain) {
    const before = st.n;
    const expMax = st.expMax;
    st.expMax = undefined;
    // A stage either rescales scores (penalty, temperature: nothing removed) or drops candidates
    // without touching the survivors' scores, so the surviving mass can be measured after the stage
    // with the entering normalizer (and the survivors' exps stay valid).
    let next = proc.apply(st, norm, ctx) ?? undefined;
    if (st.n !== before && st.expMax === undefined) st.expMax = expMax;
    let removedMass = 0;
    if (st.n !== before) {
      const { s, idx, n } = st;
      let kept = 0;
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        const v = s[idx[j]];
        kept += exp(v - norm.max);
        if (v > max) max = v;
      }
      removedMass = removedMassOf(kept, norm);
      // The top token survived: the kept sum is exactly the new normalizer (same terms, same order).
      if (!next && max === norm.max) next = { max, z: kept };
    }
    stages.push({ name: proc.name as StageName, kept: st.n, removedMass });
    norm = next ?? normalizer(st);
  }
  return norm;
}

/** The share of the entering distribution a stage removed, from the surviving terms' sum. */
export function removedMassOf(kept: number, entering: Normalizer): number {
  return Math.max(0, 1 - kept / entering.z);
}
