import type { StrategyId } from '../config/params.ts';
import { adadec } from './adadec.ts';
import { beam } from './beam.ts';
import { cntp } from './cntp.ts';
import { entropix } from './entropix.ts';
import { greedy, sample } from './sampling.ts';
import { promptLookupStrategy, recycling, specAdaptive, specChain, specRsd, specTree } from './speculative/index.ts';
import type { Strategy } from './types.ts';

/**
 * The implementation of every strategy, keyed like the registry in config/strategies.ts (which
 * holds what the UI, links and docs need to know about each one). Complete by type: a strategy id
 * without an implementation does not compile.
 */
export const STRATEGY_IMPLS: Readonly<Record<StrategyId, Strategy>> = {
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
