/**
 * The parameter table: every key a DecodeConfig (and so a link) can hold, with its type, default,
 * range and a one-line explanation. The object's key order IS the canonical order of the query
 * string, so keep related keys together and append new ones where they read naturally (a new key
 * with a default changes no existing link).
 *
 * Defaults are the neutral values (a processor at its default does nothing), except `top_k`,
 * whose "off" is 0 here where Hugging Face's default is 50: a playground should show the raw
 * distribution until the user asks for truncation.
 */
export const BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export const DTYPES = ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const;

/**
 * Every value of the `strategy` key, in the order the UI lists them. Each id has an entry in the
 * strategy registry (strategies.ts) and an implementation (engine/strategies/index.ts); the
 * compiler asks for both once an id is added here.
 */
export const STRATEGY_IDS = [
  'greedy',
  'sample',
  'beam',
  'adadec',
  'cntp',
  'entropix',
  'spec-chain',
  'spec-tree',
  'spec-rsd',
  'spec-adaptive',
  'prompt-lookup',
  'recycling',
] as const;
export type StrategyId = (typeof STRATEGY_IDS)[number];

export const DEFAULT_STRATEGY: StrategyId = 'sample';

export const DEFAULT_MODEL = 'playground/brown-target-v1';
export const DEFAULT_DRAFT = 'playground/brown-draft-v1';
export const MAX_PROMPT_CHARS = 4000;
export const MAX_STOP_STRINGS = 8;
export const MAX_STOP_CHARS = 64;
export const MAX_MODEL_ID_CHARS = 200;

import { PROCESSOR_PARAMS } from '../kernels/processors/registry.ts';
import type { ParamSpec, ValueOf } from './param-spec.ts';

export type { BoolSpec, EnumSpec, FloatSpec, IntSpec, ListSpec, ParamGroup, ParamSpec, TextSpec } from './param-spec.ts';

/**
 * A Hugging Face hub id ("owner/name" or "name") or an embedded id ("playground/..."). The same
 * id becomes a path under /models, so reject anything that could climb out of it.
 */
export function checkModelId(s: string): string | undefined {
  if (s.length === 0) return 'is empty';
  if (!/^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) return 'is not a model id like owner/name';
  if (s.includes('..') || s.includes('--')) return 'contains ".." or "--"';
  return undefined;
}

const modelId = { kind: 'text', maxChars: MAX_MODEL_ID_CHARS, check: checkModelId, format: 'hub id `owner/name`' } as const;

export const PARAMS = {
  model: {
    ...modelId, label: 'Model', group: 'model', default: DEFAULT_MODEL,
    help: 'Target model: an embedded id (playground/...) or a Hugging Face hub id.',
  },
  draft: {
    ...modelId, label: 'Draft model', group: 'model', default: DEFAULT_DRAFT,
    help: 'Small model that proposes tokens for speculative strategies; must share the target tokenizer.',
  },
  backend: {
    kind: 'enum', values: BACKENDS, default: 'auto', label: 'Backend', group: 'model',
    help: 'Where the model runs: auto picks WebGPU when available, else WASM (cpu is the Node CLI).',
  },
  dtype: {
    kind: 'enum', values: DTYPES, default: 'auto', label: 'Weights', group: 'model',
    help: 'Weight precision / quantization file to load; auto picks what the backend supports.',
  },
  strategy: {
    kind: 'enum', values: STRATEGY_IDS, default: DEFAULT_STRATEGY, label: 'Strategy', group: 'strategy',
    help: 'Decoding strategy (see the strategy registry).',
  },
  ...PROCESSOR_PARAMS,
  num_beams: {
    kind: 'int', default: 4, min: 1, max: 16, label: 'Beams', group: 'strategy',
    help: 'Number of partial sequences kept at each step (1 = greedy).',
  },
  length_penalty: {
    kind: 'float', default: 1, min: -5, max: 5, step: 0.1, label: 'Length penalty', group: 'strategy',
    help: 'Beam score = log-probability / length ^ penalty (length counts the EOS); above 0 favours longer outputs.',
  },
  adadec_tau: {
    kind: 'float', default: 5.5, min: 0, max: 12, step: 0.05, unit: 'nats', label: 'AdaDec threshold tau', group: 'strategy',
    help: 'Rerank only at steps whose entropy exceeds tau. Default fits the embedded model (steps mostly 3-7 nats); the paper learns ~0.6-1.3 for larger LLMs.',
  },
  adadec_candidates: {
    kind: 'int', default: 3, min: 1, max: 16, label: 'AdaDec candidates', group: 'strategy',
    help: 'Top candidates compared at a triggered step (B).',
  },
  adadec_lookahead: {
    kind: 'int', default: 5, min: 1, max: 32, label: 'AdaDec lookahead', group: 'strategy',
    help: 'Greedy lookahead tokens scored after each candidate (L).',
  },
  cntp_max_trials: {
    kind: 'int', default: 10, min: 1, max: 32, label: 'CNTP max trials', group: 'strategy',
    help: 'Trials at the highest entropy (Nmax); 1 = plain sampling.',
  },
  cntp_entropy_min: {
    kind: 'float', default: 0.01, min: 0, max: 20, step: 0.01, unit: 'nats', label: 'CNTP entropy low', group: 'strategy',
    help: 'Entropy at or below which one trial is run.',
  },
  cntp_entropy_max: {
    kind: 'float', default: 1.5, min: 0, max: 20, step: 0.05, unit: 'nats', label: 'CNTP entropy high', group: 'strategy',
    help: 'Entropy at or above which the maximum number of trials is run (linear in between).',
  },
  cntp_max_trial_tokens: {
    kind: 'int', default: 16, min: 1, max: 128, label: 'CNTP trial length cap', group: 'strategy',
    help: 'A trial ends at punctuation or after this many tokens.',
  },
  entropix_entropy_threshold: {
    kind: 'float', default: 4.5, min: 0, max: 20, step: 0.05, unit: 'nats', label: 'Entropix entropy threshold', group: 'strategy',
    help: 'Entropy above this is "high" when classifying a step (default fits the embedded model; entropix used 0.3-2.5 for Llama).',
  },
  entropix_varentropy_threshold: {
    kind: 'float', default: 6, min: 0, max: 100, step: 0.05, label: 'Entropix varentropy threshold', group: 'strategy',
    help: 'Varentropy above this is "high" when classifying a step (default fits the embedded model; entropix used 1.2-2.5 for Llama).',
  },
  entropix_boost_temperature: {
    kind: 'float', default: 1.3, min: 0, max: 10, step: 0.05, label: 'Entropix boost temperature', group: 'strategy',
    help: 'High entropy, low varentropy: sample at this temperature (unless a pause text is set).',
  },
  entropix_pause_text: {
    kind: 'text', default: '', maxChars: 32, label: 'Entropix pause text', group: 'strategy',
    help: 'High entropy, low varentropy: insert this text (e.g. "...") instead of boosting, never twice in a row; empty = boost.',
  },
  entropix_branches: {
    kind: 'int', default: 3, min: 1, max: 16, label: 'Entropix branches', group: 'strategy',
    help: 'Low entropy, high varentropy: sample this many branches and keep the one the model finds most probable.',
  },
  entropix_resample_temperature: {
    kind: 'float', default: 2, min: 0, max: 10, step: 0.05, label: 'Entropix resample temperature', group: 'strategy',
    help: 'High entropy, high varentropy: resample at this temperature.',
  },
  num_draft_tokens: {
    kind: 'int', default: 4, min: 1, max: 32, label: 'Draft tokens (K)', group: 'speculative',
    help: 'Tokens proposed per verification step (the maximum, for adaptive drafting).',
  },
  tree_width: {
    kind: 'int', default: 2, min: 1, max: 8, label: 'Tree width', group: 'speculative',
    help: 'Children per expanded tree node: i.i.d. draws (spec-tree), without replacement (spec-rsd), top successors (recycling).',
  },
  tree_depth: {
    kind: 'int', default: 4, min: 1, max: 16, label: 'Tree depth', group: 'speculative',
    help: 'Levels of the draft tree: the longest run one step can accept (trees hold at most 64 nodes, 16 per level).',
  },
  draft_confidence: {
    kind: 'float', default: 0.15, min: 0, max: 1, step: 0.01, label: 'Draft confidence', group: 'speculative',
    help: 'Adaptive drafting: stop before a position whose draft top-1 probability is below this (0 = always K tokens).',
  },
  adaptive_tree: {
    kind: 'bool', default: false, label: 'Adaptive: grow a tree (DySpec-style)', group: 'speculative',
    help: 'spec-adaptive: grow a draft tree wherever the draft path probability stays >= draft_confidence, instead of a chain.',
  },
  ngram_size: {
    kind: 'int', default: 3, min: 1, max: 8, label: 'N-gram size', group: 'speculative',
    help: 'Longest context suffix matched earlier in the text (n down to 1); the tokens after the match are the draft.',
  },
  recycling_successors: {
    kind: 'int', default: 8, min: 1, max: 32, label: 'Successors per token', group: 'speculative',
    help: 'Top successor candidates remembered per token id in the recycling table.',
  },
  relaxed_acceptance: {
    kind: 'bool', default: false, label: 'Relaxed acceptance (lossy)', group: 'speculative',
    help: 'LANTERN-style: also accept a draft token when its embedding neighbours carry enough target mass.',
  },
  relaxed_neighbors: {
    kind: 'int', default: 5, min: 1, max: 16, enabledBy: 'relaxed_acceptance', label: 'Relaxed: neighbours (k)', group: 'speculative',
    help: 'Pool size: the draft token and its k - 1 nearest tokens in embedding space (1 = exact acceptance).',
  },
  relaxed_delta: {
    kind: 'float', default: 0.2, min: 0, max: 1, step: 0.01, enabledBy: 'relaxed_acceptance', label: 'Relaxed: mass (delta)', group: 'speculative',
    help: 'Largest extra target mass the neighbours may lend to a draft token (0 = exact acceptance).',
  },
  max_new_tokens: {
    kind: 'int', default: 64, min: 1, max: 1024, label: 'Max new tokens', group: 'run',
    help: 'Stop after this many generated tokens (or at EOS or a stop string).',
  },
  seed: {
    kind: 'int', default: 42, min: 0, max: 4294967295, label: 'Seed', group: 'run',
    help: 'Random seed (unsigned 32-bit); the same seed and config give the same tokens.',
  },
  stop: {
    kind: 'list', default: [], maxItems: MAX_STOP_STRINGS, maxItemChars: MAX_STOP_CHARS, label: 'Stop strings', group: 'run',
    help: 'Stop when the output contains any of these (repeat the key for several).',
  },
  prompt: {
    kind: 'text', default: 'The old man', maxChars: MAX_PROMPT_CHARS, truncate: true, multiline: true, label: 'Prompt', group: 'run',
    help: 'Text the model continues; plain text, never HTML.',
  },
  chat: {
    kind: 'bool', default: false, label: 'Chat template', group: 'run',
    help: "Wrap the prompt in the model's chat template (one user turn, then the reply prompt); ignored with a warning if it has none.",
  },
} as const satisfies Record<string, ParamSpec>;

export type ParamKey = keyof typeof PARAMS;


/** All keys in canonical (query string) order. */
export const PARAM_KEYS = Object.keys(PARAMS) as ParamKey[];

/** Keys written to every link even at their default, so a shared link reads on its own. */
export const ALWAYS_ENCODED: readonly ParamKey[] = ['model', 'strategy', 'seed', 'prompt'];

/** A complete, validated decoding configuration: every key present, every value in range. */
export type DecodeConfig = { readonly [K in ParamKey]: ValueOf<(typeof PARAMS)[K]> };

export function paramSpec(key: ParamKey): ParamSpec {
  return PARAMS[key];
}

export function isParamKey(s: string): s is ParamKey {
  return Object.prototype.hasOwnProperty.call(PARAMS, s);
}

/** Defaults for every key. */
export const DEFAULT_CONFIG: DecodeConfig = Object.freeze(
  Object.fromEntries(PARAM_KEYS.map((k) => [k, PARAMS[k].default])) as unknown as DecodeConfig,
);
