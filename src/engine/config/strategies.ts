/**
 * The strategy registry: what each decoding strategy does in one line and which parameters it
 * reads. The URL codec, the normalizer, the CLI, the docs and the UI's strategy panel read this
 * table; the engine runs the implementation registered under the same id in
 * engine/strategies/index.ts. Both tables are keyed by STRATEGY_IDS (params.ts) and typed as
 * complete records, so a new id does not compile until it has an entry in each.
 *
 * The metadata stays here, apart from the implementations, so that config (imported by the UI
 * thread, the CLI's `config` command and the docs) never loads model or kernel code.
 */
import { PARAMS, PARAM_KEYS, STRATEGY_IDS, type ParamKey, type StrategyId } from './params.ts';

export interface StrategyInfo {
  id: StrategyId;
  /** Short name for menus. */
  label: string;
  /** One line: what the strategy does. */
  summary: string;
  /** Runs a draft model (the `draft` key applies). */
  needsDraft: boolean;
  /** Lossy: the output distribution may differ from the target's (shown as a caveat). */
  lossy: boolean;
  /** The parameters this strategy reads, beyond the common ones (model, prompt, seed ...), in display order. */
  params: readonly ParamKey[];
}

/** Parameters every strategy reads. */
export const COMMON_PARAMS: readonly ParamKey[] = ['model', 'backend', 'dtype', 'max_new_tokens', 'seed', 'stop', 'chat', 'prompt'];

/** The logits processors, in the parameter table's order; sampling-based strategies read all of them. */
export const SAMPLING_PARAMS: readonly ParamKey[] = PARAM_KEYS.filter((k) => PARAMS[k].group === 'processor');

/** Opt-in lossy acceptance shared by the speculative strategies. */
const RELAXED: readonly ParamKey[] = ['relaxed_acceptance', 'relaxed_neighbors', 'relaxed_delta'];

function entry(
  id: StrategyId,
  label: string,
  summary: string,
  params: readonly ParamKey[],
  opts: { needsDraft?: boolean; lossy?: boolean } = {},
): StrategyInfo {
  return { id, label, summary, params, needsDraft: opts.needsDraft ?? false, lossy: opts.lossy ?? false };
}

export const STRATEGIES: Readonly<Record<StrategyId, StrategyInfo>> = {
  greedy: entry('greedy', 'Greedy', 'Always emit the most probable token; the seed has no effect.', ['repetition_penalty']),
  sample: entry('sample', 'Sampling', 'Draw each token from the processed distribution (temperature, top-k, top-p, ...).', SAMPLING_PARAMS),
  beam: entry('beam', 'Beam search', 'Keep the best few partial sequences by total log-probability, normalized by length.', [
    'num_beams',
    'length_penalty',
    'repetition_penalty',
  ]),
  adadec: entry('adadec', 'AdaDec', 'Greedy, but when entropy exceeds tau rerank the top candidates by a short greedy lookahead.', [
    'adadec_tau',
    'adadec_candidates',
    'adadec_lookahead',
    'repetition_penalty',
  ]),
  cntp: entry('cntp', 'CNTP', 'When entropy is high, sample several trials up to punctuation and keep the lowest-perplexity one.', [
    'cntp_max_trials',
    'cntp_entropy_min',
    'cntp_entropy_max',
    'cntp_max_trial_tokens',
    ...SAMPLING_PARAMS,
  ]),
  entropix: entry('entropix', 'Entropix-style', 'Pick an action per step from its entropy/varentropy quadrant: argmax, boost, branch or resample.', [
    'entropix_entropy_threshold',
    'entropix_varentropy_threshold',
    'entropix_boost_temperature',
    'entropix_pause_text',
    'entropix_branches',
    'entropix_resample_temperature',
    ...SAMPLING_PARAMS,
  ]),
  'spec-chain': entry('spec-chain', 'Speculative (chain)', 'A draft model proposes K tokens; the target verifies them in one pass, losslessly.', [
    'num_draft_tokens',
    ...RELAXED,
    ...SAMPLING_PARAMS,
  ], { needsDraft: true }),
  'spec-tree': entry('spec-tree', 'Speculative (tree)', 'The draft proposes a tree of candidates; recursive rejection sampling over siblings (SpecInfer).', [
    'tree_width',
    'tree_depth',
    ...RELAXED,
    ...SAMPLING_PARAMS,
  ], { needsDraft: true }),
  'spec-rsd': entry('spec-rsd', 'Speculative (RSD)', 'Tree drafts drawn without replacement (Gumbel-top-k) at each level, then recursive rejection.', [
    'tree_width',
    'tree_depth',
    ...RELAXED,
    ...SAMPLING_PARAMS,
  ], { needsDraft: true }),
  'spec-adaptive': entry('spec-adaptive', 'Speculative (adaptive)', 'Keep drafting while the draft is confident; stop when its top-1 probability drops (SpecDec++-style).', [
    'draft_confidence',
    'num_draft_tokens',
    'adaptive_tree',
    'tree_width',
    ...RELAXED,
    ...SAMPLING_PARAMS,
  ], { needsDraft: true }),
  'prompt-lookup': entry('prompt-lookup', 'Prompt lookup', 'No draft model: an n-gram match in the context proposes the continuation, the target verifies it.', [
    'ngram_size',
    'num_draft_tokens',
    ...RELAXED,
    ...SAMPLING_PARAMS,
  ]),
  recycling: entry('recycling', 'Token Recycling', 'No draft model: a table of successors seen in earlier passes builds a draft tree by BFS.', [
    'recycling_successors',
    'tree_width',
    'tree_depth',
    ...RELAXED,
    ...SAMPLING_PARAMS,
  ]),
};

export function isStrategyId(s: string): s is StrategyId {
  return (STRATEGY_IDS as readonly string[]).includes(s);
}

/** Every parameter the given strategy reads, in display order: common ones, then the draft model if any, then its own. */
export function paramsForStrategy(id: StrategyId): ParamKey[] {
  const s = STRATEGIES[id];
  const common = COMMON_PARAMS.filter((k) => k !== 'prompt');
  return [...common.slice(0, 1), ...(s.needsDraft ? (['draft'] as ParamKey[]) : []), ...common.slice(1), ...s.params, 'prompt'];
}
