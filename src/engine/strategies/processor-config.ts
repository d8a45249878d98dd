import type { DecodeConfig } from '../config/params.ts';
import type { ProcessorConfig } from '../kernels/types.ts';

/** The processor settings of a decoding configuration (same names on both sides). */
export function processorConfig(c: DecodeConfig): ProcessorConfig {
  return {
    repetition_penalty: c.repetition_penalty,
    temperature: c.temperature,
    dynatemp_range: c.dynatemp_range,
    dynatemp_exponent: c.dynatemp_exponent,
    top_k: c.top_k,
    top_p: c.top_p,
    min_p: c.min_p,
    typical_p: c.typical_p,
    epsilon_cutoff: c.epsilon_cutoff,
    eta_cutoff: c.eta_cutoff,
  };
}
