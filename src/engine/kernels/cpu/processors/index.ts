import type { ProcessorConfig } from '../../types.ts';
import { epsilonCutoff } from './epsilon.ts';
import { etaCutoff } from './eta.ts';
import { minP } from './min-p.ts';
import type { Processor } from './processor.ts';
import { repetitionPenalty } from './repetition-penalty.ts';
import { temperature } from './temperature.ts';
import { topK } from './top-k.ts';
import { topP } from './top-p.ts';
import { typicalP } from './typical-p.ts';

export type { Processor, RowContext } from './processor.ts';

/**
 * The processor chain for a config, in Hugging Face order. A processor joins only when its value
 * is not the neutral one (the HF rule), so the reported stages are exactly the active ones.
 * Throws RangeError on out-of-range values (the config layer validates before this).
 */
export function buildChain(c: ProcessorConfig): Processor[] {
  const chain: Processor[] = [];
  if (c.repetition_penalty !== undefined && c.repetition_penalty !== 1) chain.push(repetitionPenalty(c.repetition_penalty));
  const t = c.temperature ?? 1;
  const range = c.dynatemp_range ?? 0;
  if (t !== 1 || range !== 0) chain.push(temperature(t, range, c.dynatemp_exponent ?? 1));
  if (c.top_k !== undefined && c.top_k !== 0) chain.push(topK(c.top_k));
  if (c.top_p !== undefined && c.top_p !== 1) chain.push(topP(c.top_p));
  if (c.min_p !== undefined && c.min_p !== 0) chain.push(minP(c.min_p));
  if (c.typical_p !== undefined && c.typical_p !== 1) chain.push(typicalP(c.typical_p));
  if (c.epsilon_cutoff !== undefined && c.epsilon_cutoff !== 0) chain.push(epsilonCutoff(c.epsilon_cutoff));
  if (c.eta_cutoff !== undefined && c.eta_cutoff !== 0) chain.push(etaCutoff(c.eta_cutoff));
  return chain;
}
