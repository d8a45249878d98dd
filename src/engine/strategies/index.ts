import type { StrategyId } from '../config/params.ts';
import { adadec } from './adadec.ts';
import { beam } from './beam.ts';
import { cntp } from './cntp.ts';
import { entropix } from './entropix.ts';
import { greedy, sample } from './sampling.ts';
import { promptLookupStrategy, recycling, specAdaptive, specChain, specRsd, specTree } from './speculative/index.ts';
import type { Strategy } from './types.ts';

/** Implemented strategies; the config registry's `available` flags must agree (tested). */
export const STRATEGY_IMPLS: Partial<Record<StrategyId, Strategy>> = {
  greedy,
  sample,
  beam,
  adadec,
  cntp,
  entropix,
  'spec-chain': specChain,
  'spec-tree': specTree,
  'spec-rsd': specRsd,
  'spec-adaptive': specAdaptive,
  'prompt-lookup': promptLookupStrategy,
  recycling,
};
