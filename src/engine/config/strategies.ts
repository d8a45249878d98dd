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
import { PARAMS, PARAM_KEYS, STRATEGY_IDS, type DecodeConfig, type ParamKey, type StrategyId } from './params.ts';
import { DRAWING_PROCESSOR_KEYS, STATEFUL_PROCESSOR_KEYS } from '../kernels/processors/registry.ts';

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
  /** Processor keys it does not read although it samples, and why (a link setting one gets a warning). */
  refuses: Readonly<Partial<Record<ParamKey, string>>>;
}

/** Parameters every strategy reads. */
export const COMMON_PARAMS: readonly ParamKey[] = ['model', 'backend', 'dtype', 'max_new_tokens', 'seed', 'stop', 'chat', 'prompt'];

/** The logits processors, in the parameter table's order; the sample strategy reads all of them. */
export const SAMPLING_PARAMS: readonly ParamKey[] = PARAM_KEYS.filter((k) => PARAMS[k].group === 'processor');

/** Processors with per-step state (mirostat's mu): only a strategy that carries the state from token to token reads them. */
const STATEFUL: readonly ParamKey[] = SAMPLING_PARAMS.filter((k) => STATEFUL_PROCESSOR_KEYS.includes(k));
/** Processors that draw from the row's RNG key (XTC): speculative verification could not reproduce the draw of each position. */
const DRAWING: readonly ParamKey[] = SAMPLING_PARAMS.filter((k) => DRAWING_PROCESSOR_KEYS.includes(k));

const NOT_CARRIED = 'its per-token state (mirostat mu) is carried only by the sample strategy';
const NOT_VERIFIABLE = 'speculative verification does not reproduce its per-token random draw';
const refusing = (keys: readonly ParamKey[], why: string) => Object.fromEntries(keys.map((k) => [k, why])) as Partial<Record<ParamKey, string>>;
/** What strategies that sample but do not carry processor state read, and what they refuse. */
const STATELESS_SAMPLING = { params: SAMPLING_PARAMS.filter((k) => !STATEFUL.includes(k)), refuses: refusing(STATEFUL, NOT_CARRIED) };
/** The same for the speculative strategies, which also refuse processors that draw. */
const VERIFIABLE_SAMPLING = {
  params: STATELESS_SAMPLING.params.filter((k) => !DRAWING.includes(k)),
  refuses: { ...STATELESS_SAMPLING.refuses, ...refusing(DRAWING, NOT_VERIFIABLE) },
};

/** Opt-in lossy acceptance shared by the speculative strategies. */
const RELAXED: readonly ParamKey[] = ['relaxed_acceptance', 'relaxed_neighbors', 'relaxed_delta'];

function entry(
  id: StrategyId,
  label: string,
  summary: string,
  params: readonly ParamKey[],
  opts: { needsDraft?: boolean; lossy?: boolean; refuses?: StrategyInfo['refuses'] } = {},
): StrategyInfo {
  return { id, label, summary, params, needsDraft: opts.needsDraft ?? false, lossy: opts.lossy ?? false, refuses: opts.refuses ?? {} };
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
    ...STATELESS_SAMPLING.params,
  ], { refuses: STATELESS_SAMPLING.refuses }),
  entropix: entry('entropix', 'Entropix-style', 'Pick an action per step from its entropy/varentropy quadrant: argmax, boost, branch or resample.', [
    'entropix_entropy_threshold',
    'entropix_varentropy_threshold',
    'entropix_boost_temperature',
    'entropix_pause_text',
    'entropix_branches',
    'entropix_resample_temperature',
    ...STATELESS_SAMPLING.params,
  ], { refuses: STATELESS_SAMPLING.refuses }),
  'spec-chain': entry('spec-chain', 'Speculative (chain)', 'A draft model proposes K tokens; the target verifies them in one pass, losslessly.', [
    'num_draft_tokens',
    ...RELAXED,
    ...VERIFIABLE_SAMPLING.params,
  ], { needsDraft: true, refuses: VERIFIABLE_SAMPLING.refuses }),
  'spec-tree': entry('spec-tree', 'Speculative (tree)', 'The draft proposes a tree of candidates; recursive rejection sampling over siblings (SpecInfer).', [
    'tree_width',
    'tree_depth',
    ...RELAXED,
    ...VERIFIABLE_SAMPLING.params,
  ], { needsDraft: true, refuses: VERIFIABLE_SAMPLING.refuses }),
  'spec-rsd': entry('spec-rsd', 'Speculative (RSD)', 'Tree drafts drawn without replacement (Gumbel-top-k) at each level, then recursive rejection.', [
    'tree_width',
    'tree_depth',
    ...RELAXED,
    ...VERIFIABLE_SAMPLING.params,
  ], { needsDraft: true, refuses: VERIFIABLE_SAMPLING.refuses }),
  'spec-adaptive': entry('spec-adaptive', 'Speculative (adaptive)', 'Keep drafting while the draft is confident; stop when its top-1 probability drops (SpecDec++-style).', [
    'draft_confidence',
    'num_draft_tokens',
    'adaptive_tree',
    'tree_width',
    ...RELAXED,
    ...VERIFIABLE_SAMPLING.params,
  ], { needsDraft: true, refuses: VERIFIABLE_SAMPLING.refuses }),
  'prompt-lookup': entry('prompt-lookup', 'Prompt lookup', 'No draft model: an n-gram match in the context proposes the continuation, the target verifies it.', [
    'ngram_size',
    'num_draft_tokens',
    ...RELAXED,
    ...VERIFIABLE_SAMPLING.params,
  ], { refuses: VERIFIABLE_SAMPLING.refuses }),
  recycling: entry('recycling', 'Token Recycling', 'No draft model: a table of successors seen in earlier passes builds a draft tree by BFS.', [
    'recycling_successors',
    'tree_width',
    'tree_depth',
    ...RELAXED,
    ...VERIFIABLE_SAMPLING.params,
  ], { refuses: VERIFIABLE_SAMPLING.refuses }),
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

/**
 * Why the run ignores processor settings of the config: the ones its strategy refuses (mirostat
 * outside `sample`, XTC under speculation) that the link sets. The values stay in the link, for a
 * switch back to a strategy that reads them; the run lists these lines in its start notes.
 */
export function refusedNotes(c: DecodeConfig): string[] {
  const s = STRATEGIES[c.strategy];
  return SAMPLING_PARAMS.filter((k) => k in s.refuses && c[k] !== PARAMS[k].default).map(
    (k) => `${k}=${String(c[k])} ignored: strategy=${s.id} does not read it (${s.refuses[k]})`,
  );
}
