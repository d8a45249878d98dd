import type { DecodeConfig } from '../config/params.ts';
import { paramsForStrategy } from '../config/strategies.ts';
import { PROCESSOR_KEYS, PROCESSOR_PARAMS, type ProcessorConfig } from '../kernels/processors/registry.ts';

/**
 * The processor settings a strategy runs with (same names on both sides). Processors the strategy
 * does not read (e.g. top_p under greedy) stay neutral, so a link's leftover values never act.
 */
export function processorConfig(c: DecodeConfig): ProcessorConfig {
  const used = new Set<string>(paramsForStrategy(c.strategy));
  const out: Record<string, unknown> = {};
  for (const k of PROCESSOR_KEYS) out[k] = used.has(k) ? c[k] : PROCESSOR_PARAMS[k].default;
  return out as ProcessorConfig;
}
