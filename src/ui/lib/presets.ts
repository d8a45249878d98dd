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
    id: 'sampler-order',
    title: 'Does the order of the samplers matter?',
    explanation:
      'Hugging Face applies temperature first and then cuts the tail (top-k, min-p); llama.cpp cuts first and applies temperature last. With a hot temperature the two disagree: min-p measured after heating keeps many more tokens than min-p measured before it. Both columns use the same seed and the same settings; only sampler_order differs. Compare the waterfalls (each lists its stages in the order they ran) and the number of tokens still possible after min-p.',
    mode: 'compare',
    config: { strategy: 'sample', temperature: 2, min_p: 0.1, top_k: 40, prompt: P, max_new_tokens: 24, seed: 12 },
    compare: { strategy: 'sample', temperature: 2, min_p: 0.1, top_k: 40, sampler_order: 'llamacpp' },
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
  {
    id: 'accepted-length',
    title: 'How many draft tokens survive?',
    explanation:
      'Each verification step accepts some of the draft’s guesses, then the target adds one token of its own. The accepted-length histogram in the speculative view counts how many guesses each step kept, beside the textbook prediction: every position accepted independently with the run’s overall rate α, so P(k accepted) = αᵏ(1 − α). Where the measured bars are taller at both ends than predicted, acceptances come in streaks: an easy phrase is accepted whole, a hard one fails at the first token.',
    mode: 'run',
    config: { strategy: 'spec-chain', num_draft_tokens: 6, prompt: P, max_new_tokens: 96, seed: 4 },
  },
  {
    id: 'lossless-check',
    title: 'Is speculative decoding really lossless?',
    explanation:
      'The theory says speculative sampling emits exactly the target model’s distribution. Check it: after the run, press “Check losslessness” in the speculative view. It samples the first token 200 times with speculative decoding and 200 times with plain sampling, draws both histograms and runs a chi-square test. A lossless method gives a p-value anywhere between 0 and 1; only p below 0.01 would be evidence of a difference. Then tick relaxed acceptance and check again: the drift (total variation distance) grows.',
    mode: 'run',
    config: { strategy: 'spec-chain', temperature: 1, top_k: 10, num_draft_tokens: 3, prompt: P, max_new_tokens: 16, seed: 100 },
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
