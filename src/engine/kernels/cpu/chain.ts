import type { StageName, StageStat } from '../types.ts';
import type { Processor, RowContext } from './processors/index.ts';
import type { Normalizer, RowState } from './row.ts';
import { normalizer } from './row.ts';

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
    // A stage either rescales scores (penalty, temperature: nothing removed) or drops candidates
    // without touching the survivors' scores, so the surviving mass can be measured after the stage
    // with the entering normalizer.
    proc.apply(st, norm, ctx);
    let removedMass = 0;
    if (st.n !== before) {
      let kept = 0;
      for (let j = 0; j < st.n; j++) kept += Math.exp(st.s[st.idx[j]] - norm.max);
      removedMass = Math.max(0, 1 - kept / norm.z);
    }
    stages.push({ name: proc.name as StageName, kept: st.n, removedMass });
    norm = normalizer(st);
  }
  return norm;
}
