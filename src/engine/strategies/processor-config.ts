import { PARAMS, type DecodeConfig, type ProcessorParam } from '../config/params.ts';
import { paramsForStrategy } from '../config/strategies.ts';
import { PROCESSOR_KEYS } from '../kernels/processors/registry.ts';
import type { ProcessorConfig } from '../kernels/types.ts';

/**
 * The kernels' list of processors (PROCESSOR_KEYS) is the only one; the parameter table marks the
 * same keys with group 'processor'. This type does not compile when the two sets differ.
 */
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type ProcessorKeysMatch = Assert<SameKeys<ProcessorParam, keyof ProcessorConfig>>;

/**
 * The processor settings a strategy runs with (same names on both sides). Processors the strategy
 * does not read (e.g. top_p under greedy) stay neutral, so a link's leftover values never act.
 */
export function processorConfig(c: DecodeConfig): ProcessorConfig {
  const used = new Set(paramsForStrategy(c.strategy));
  const out: ProcessorConfig = {};
  for (const k of PROCESSOR_KEYS) out[k] = used.has(k) ? c[k] : (PARAMS[k].default as number);
  return out;
}
