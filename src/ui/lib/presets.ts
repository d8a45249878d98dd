/** The classroom gallery: each preset is a shareable link with a one-paragraph explanation. */
import { DEFAULT_CONFIG, normalizeConfig, type DecodeConfig } from '../../engine/config/index.ts';
import { sharedWith, writePageState, type Mode } from './urlState.ts';

export interface Preset {
  id: string;
  title: string;
  explanation: string;
  mode: Mode;
  config: Partial<Record<keyof DecodeConfig, unknown>>;
  compare?: Partial<Record<keyof DecodeConfig, unknown>>;
}

const P = 'The old man looked at the';

export const PRESETS: readonly Preset[] = [
  {
    id: 'greedy-vs-sampling',
    title: 'Greedy vs sampling',
    explanation:
      'Greedy decoding always takes the most probable token, so it is deterministic and often falls into loops. Sampling draws each token at random in proportion to its probability: more varied text, occasionally a surprising word. Both columns use the same seed; watch where they first part ways and how many tokens fall outside the top-10 (orange and red) in the sampled text.',
    mode: 'compare',
    config: { strategy: 'greedy', prompt: P, max_new_tokens: 24, seed: 7 },
    compare: { strategy: 'sample', temperature: 1 },
  },
  {
    id: 'temperature',
    title: 'Temperature: cold vs hot',
    explanation:
      'Temperature divides the logits before the softmax. Below 1 the distribution sharpens (the top token takes almost all the mass); above 1 it flattens, so unlikely tokens get picked more often. Same seed, same random numbers: the only difference is the temperature. Look at the orange "after processors" bars in the probability view.',
    mode: 'compare',
    config: { strategy: 'sample', temperature: 0.5, prompt: P, max_new_tokens: 24, seed: 3 },
    compare: { strategy: 'sample', temperature: 1.5 },
  },
  {
    id: 'top-p-vs-min-p',
    title: 'Top-p vs min-p',
    explanation:
      'Both cut off the unreliable tail of the distribution. Top-p (nucleus) keeps the smallest set of tokens whose mass reaches p, so when the model is unsure it keeps many tokens. Min-p keeps tokens whose probability is at least min_p times the top token’s, so the cut adapts to how confident the model is. Compare the "tokens still possible" bars in each waterfall.',
    mode: 'compare',
    config: { strategy: 'sample', top_p: 0.9, temperature: 1.2, prompt: P, max_new_tokens: 24, seed: 11 },
    compare: { strategy: 'sample', min_p: 0.1, temperature: 1.2 },
  },
  {
    id: 'top-k',
    title: 'Top-k: a hard cap',
    explanation:
      'Top-k keeps only the k most probable tokens, whatever their probabilities. With k = 5 the waterfall shows the vocabulary collapsing to five candidates at every step, and the "mass removed" bar shows how much probability the cut threw away: large when the model was unsure, tiny when it was confident.',
    mode: 'run',
    config: { strategy: 'sample', top_k: 5, prompt: P, max_new_tokens: 24, seed: 5 },
  },
  {
    id: 'entropy',
    title: 'Reading the entropy timeline',
    explanation:
      'Entropy measures how unsure the model is about the next token (0 = certain). Spikes usually come at the start of a new phrase, where many continuations are plausible; dips come inside a word or a fixed phrase. Click a spike in the timeline to see the flat distribution behind it, then a dip to see a peaked one.',
    mode: 'run',
    config: { strategy: 'sample', prompt: 'It was a', max_new_tokens: 32, seed: 21 },
  },
  {
    id: 'repetition',
    title: 'Repetition penalty',
    explanation:
      'Greedy text from a small model tends to repeat itself. The repetition penalty divides the logits of tokens already in the context, making them less likely. Compare greedy with and without it on the same prompt: the penalised column leaves the loop sooner.',
    mode: 'compare',
    config: { strategy: 'greedy', prompt: P, max_new_tokens: 32, seed: 1 },
    compare: { strategy: 'greedy', repetition_penalty: 1.5 },
  },
  {
    id: 'adadec',
    title: 'AdaDec at work',
    explanation:
      'AdaDec decodes greedily, but when the entropy crosses the threshold tau it looks a few tokens ahead from each of the top candidates and keeps the one whose continuation is most probable. The green line on the entropy timeline is tau; reranked tokens are outlined.',
    mode: 'run',
    config: { strategy: 'adadec', prompt: P, max_new_tokens: 24 },
  },
  {
    id: 'cntp',
    title: 'CNTP trials',
    explanation:
      'Cautious Next Token Prediction samples several trials up to the next punctuation when the model is unsure, and keeps the one with the lowest perplexity. The more uncertain the step, the more trials it runs.',
    mode: 'run',
    config: { strategy: 'cntp', prompt: P, max_new_tokens: 24 },
  },
  {
    id: 'speculative',
    title: 'Watching speculative decoding',
    explanation:
      'A small draft model guesses several tokens; the big model checks them all in one pass and keeps the guesses it agrees with. The output has exactly the big model’s distribution, but needs fewer big-model passes. Accepted draft tokens, resampled tokens and bonus tokens are outlined differently.',
    mode: 'run',
    config: { strategy: 'spec-chain', prompt: P, max_new_tokens: 32 },
  },
];

export function presetState(p: Preset): { config: DecodeConfig; mode: Mode; compare?: DecodeConfig } {
  const config = normalizeConfig({ ...DEFAULT_CONFIG, ...p.config }).config;
  const compare = p.compare ? sharedWith(config, normalizeConfig({ ...DEFAULT_CONFIG, ...p.compare }).config) : undefined;
  return { config, mode: p.mode, compare };
}

export function presetHref(p: Preset): string {
  return writePageState(presetState(p));
}
