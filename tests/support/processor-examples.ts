/**
 * Example settings for every processor of the table, used to run each one on both backends. The
 * Record type makes a new stage without examples a compile error.
 */
import type { ProcessorConfig, StageName } from '../../src/engine/kernels/types.ts';

export const PROCESSOR_EXAMPLES: Record<StageName, ProcessorConfig[]> = {
  // Ids past the vocabulary (99999) are ignored; -100 bans.
  logit_bias: [{ logit_bias: '5:3.5,100:-100,4098:2,99999:5' }, { logit_bias: '0:1e1, 7919:-2.25', temperature: 0.6 }],
  repetition_penalty: [{ repetition_penalty: 1.3 }, { repetition_penalty: 0.7, temperature: 0.8 }],
  presence_frequency: [{ presence_penalty: 0.5, frequency_penalty: 0.3 }, { frequency_penalty: -1, temperature: 0.8 }, { presence_penalty: 2 }],
  dry: [{ dry_multiplier: 0.8 }, { dry_multiplier: 2, dry_base: 1.2, dry_allowed_length: 1 }, { dry_multiplier: 5, dry_base: 3, dry_allowed_length: 1, dry_penalty_last_n: 3 }],
  temperature: [{ temperature: 0.7 }, { temperature: 0 }, { temperature: 1, dynatemp_range: 0.5, dynatemp_exponent: 1.5 }],
  top_k: [{ top_k: 40 }, { top_k: 1, temperature: 2 }],
  top_p: [{ top_p: 0.9 }, { top_p: 0, temperature: 0.7 }],
  min_p: [{ min_p: 0.05 }, { min_p: 0.3, temperature: 1.5 }],
  typical_p: [{ typical_p: 0.9 }],
  epsilon_cutoff: [{ epsilon_cutoff: 0.0003 }],
  eta_cutoff: [{ eta_cutoff: 0.001, temperature: 1.2 }],
  top_n_sigma: [{ top_n_sigma: 1 }, { top_n_sigma: 0.5, temperature: 1.5, top_k: 200 }, { top_n_sigma: 3, min_p: 0.01 }],
  // Probability 1 always acts; 0.5 acts on some seeds only (the coin is the row's RNG key).
  xtc: [{ xtc_probability: 1, xtc_threshold: 0.01 }, { xtc_probability: 1, xtc_threshold: 0.002, temperature: 0.8 }, { xtc_probability: 0.5, xtc_threshold: 0.005 }],
  // mu = 2·tau with no carried state: 10, 6, 2 and 0.4 bits.
  mirostat: [{ mirostat: 2 }, { mirostat: 2, mirostat_tau: 3, temperature: 0.7 }, { mirostat: 2, mirostat_tau: 1 }, { mirostat: 2, mirostat_tau: 0.2 }],
};
