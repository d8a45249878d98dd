/**
 * The one table of logits processors. Everything per processor derives from it: the URL keys
 * (PROCESSOR_PARAMS, spread into the parameter table), ProcessorConfig and StageName, the chain in
 * the configured order (CPU and WebGPU), the generated WGSL header, the row packing and the
 * waterfall labels. See descriptor.ts for what adding a processor takes.
 */
import type { TextSpec, ValueOf } from '../../config/param-spec.ts';
import type { ProcessorDescriptor, ProcessorState } from './descriptor.ts';
import { DRY } from './dry.ts';
import { EPSILON_CUTOFF } from './epsilon-cutoff.ts';
import { ETA_CUTOFF } from './eta-cutoff.ts';
import { LOGIT_BIAS } from './logit-bias.ts';
import { MIN_P } from './min-p.ts';
import { MIROSTAT } from './mirostat.ts';
import { PRESENCE_FREQUENCY } from './presence-frequency.ts';
import { REPETITION_PENALTY } from './repetition-penalty.ts';
import { TEMPERATURE } from './temperature.ts';
import { TOP_K } from './top-k.ts';
import { TOP_N_SIGMA } from './top-n-sigma.ts';
import { TOP_P } from './top-p.ts';
import { TYPICAL_P } from './typical-p.ts';
import { XTC } from './xtc.ts';

export type { ProcessorDescriptor, ProcessorState } from './descriptor.ts';

/**
 * In the default order (Hugging Face's, extended): the order the chain runs with sampler_order=hf.
 * Logit bias comes first (OpenAI and llama.cpp add it to the raw logits), then the penalties; the
 * llama.cpp-only truncations after HF's, and mirostat last (it replaces the tail in llama.cpp).
 */
export const PROCESSORS = [LOGIT_BIAS, REPETITION_PENALTY, PRESENCE_FREQUENCY, DRY, TEMPERATURE, TOP_K, TOP_P, MIN_P, TYPICAL_P, EPSILON_CUTOFF, ETA_CUTOFF, TOP_N_SIGMA, XTC, MIROSTAT] as const;

type Entry = (typeof PROCESSORS)[number];
export type StageName = Entry['stage'];

/** Named orders for `sampler_order`; each lists every stage once (registry.test.ts checks). */
export const SAMPLER_ORDERS = {
  hf: PROCESSORS.map((d) => d.stage),
  // llama.cpp's default sampler chain ("penalties;dry;top_n_sigma;top_k;typ_p;top_p;min_p;xtc;temperature")
  // after the logit bias it applies first; its "penalties" are repetition then presence/frequency.
  // Stages it lacks (epsilon, eta) sit with the other truncations; mirostat (which replaces the
  // chain's tail in llama.cpp: temperature, then mirostat) comes after temperature.
  llamacpp: ['logit_bias', 'repetition_penalty', 'presence_frequency', 'dry', 'top_n_sigma', 'top_k', 'typical_p', 'top_p', 'min_p', 'epsilon_cutoff', 'eta_cutoff', 'xtc', 'temperature', 'mirostat'],
} as const satisfies Record<string, readonly StageName[]>;
export type SamplerOrderName = keyof typeof SAMPLER_ORDERS;

const BY_STAGE = new Map<string, ProcessorDescriptor<StageName>>(PROCESSORS.map((d) => [d.stage, d]));

/**
 * The stages of a `sampler_order` value, or why it is not one: a named order, or stage names
 * separated by commas (each at most once; active processors it leaves out run after it, in the
 * default order).
 */
export function parseSamplerOrder(s: string): { stages: readonly StageName[] } | { error: string } {
  if (Object.hasOwn(SAMPLER_ORDERS, s)) return { stages: SAMPLER_ORDERS[s as SamplerOrderName] };
  const names = s.split(',').map((x) => x.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (!BY_STAGE.has(n)) return { error: `"${n}" is not a stage (use ${Object.keys(SAMPLER_ORDERS).join(', ')} or a comma list of ${[...BY_STAGE.keys()].join(', ')})` };
    if (seen.has(n)) return { error: `"${n}" is listed twice` };
    seen.add(n);
  }
  return { stages: names as StageName[] };
}

const SAMPLER_ORDER = {
  kind: 'text', default: 'hf', maxChars: 400, label: 'Sampler order', group: 'processor',
  format: '`hf`, `llamacpp`, or stage names separated by commas',
  suggestions: ['hf', 'llamacpp'],
  help: 'Order of the processors: hf (Hugging Face, default), llamacpp (penalties, truncations, temperature last) or a comma list of stages.',
  check: (s: string) => {
    const r = parseSamplerOrder(s);
    return 'error' in r ? r.error : undefined;
  },
} as const satisfies TextSpec & { group: 'processor' };

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type AllParams = UnionToIntersection<Entry['params']> & { sampler_order: typeof SAMPLER_ORDER };

/** Every processor key with its parameter-table entry, in the default order, then sampler_order. */
export const PROCESSOR_PARAMS = Object.assign({}, ...PROCESSORS.map((d) => d.params), { sampler_order: SAMPLER_ORDER }) as AllParams;

/** Per-row processor settings (the processor keys of a link). Omitted = neutral (processor off). */
export type ProcessorConfig = { -readonly [K in keyof AllParams]?: ValueOf<AllParams[K]> };

/** Every ProcessorConfig key, in the default order. */
export const PROCESSOR_KEYS = Object.keys(PROCESSOR_PARAMS) as (keyof ProcessorConfig)[];

/**
 * The active processors of a config in the order the chain runs them, each validated (RangeError
 * on an out-of-range value or a bad sampler_order; the config layer validates before this, so this
 * guards direct kernel calls).
 */
export function activeProcessors(c: ProcessorConfig): ProcessorDescriptor<StageName>[] {
  const active = chainOrder(c.sampler_order ?? 'hf').filter((d) => d.isActive(c));
  for (const d of active) d.check(c);
  return active;
}

/** Every processor in the order a `sampler_order` value runs them; each value is parsed once (every row of every step asks). */
const ORDERS = new Map<string, ProcessorDescriptor<StageName>[]>();
function chainOrder(samplerOrder: string): ProcessorDescriptor<StageName>[] {
  let ordered = ORDERS.get(samplerOrder);
  if (!ordered) {
    const order = parseSamplerOrder(samplerOrder);
    if ('error' in order) throw new RangeError(`sampler_order: ${order.error}`);
    const listed = order.stages.map((s) => BY_STAGE.get(s)!);
    ordered = [...listed, ...PROCESSORS.filter((d) => !listed.includes(d))];
    if (ORDERS.size > 64) ORDERS.clear(); // a few distinct orders in practice; bound it anyway
    ORDERS.set(samplerOrder, ordered);
  }
  return ordered;
}

/** The waterfall's name for a stage (the stage name itself for one it does not know). */
export function stageLabel(name: string): string {
  return BY_STAGE.get(name)?.label ?? name;
}

/**
 * The processor state a strategy starts a row with (mirostat's mu from its config), or undefined
 * when no active processor keeps any. Carry it in RowRequest.state and advance it with nextState.
 */
export function initialState(c: ProcessorConfig): ProcessorState | undefined {
  const keeping = activeProcessors(c).filter((d) => d.state);
  if (keeping.length === 0) return undefined;
  return Object.assign({}, ...keeping.map((d) => d.state!.init(c)));
}

/** The state after a step that chose a token with processed probability `chosenProb`. */
export function nextState(c: ProcessorConfig, state: ProcessorState | undefined, chosenProb: number): ProcessorState | undefined {
  if (state === undefined) return undefined;
  const keeping = activeProcessors(c).filter((d) => d.state);
  return Object.assign({}, state, ...keeping.map((d) => d.state!.next(c, state, chosenProb)));
}

/** The URL keys of the processors that keep state (only strategies that carry it read them). */
export const STATEFUL_PROCESSOR_KEYS: readonly string[] = PROCESSORS.filter((d) => d.state).flatMap((d) => Object.keys(d.params));

/** The URL keys of the processors that draw from the row's RNG key (speculative strategies do not read them). */
export const DRAWING_PROCESSOR_KEYS: readonly string[] = PROCESSORS.filter((d) => d.draws).flatMap((d) => Object.keys(d.params));

/**
 * Throws a RangeError when a config turns on a processor that a speculative verification cannot
 * reproduce: one that draws (the target rows would need each position's own key) or keeps state
 * (the target distribution would depend on the sampled history). The config layer never sends one.
 */
export function checkVerifiable(c: ProcessorConfig): void {
  for (const d of activeProcessors(c)) {
    if (d.draws || d.state) throw new RangeError(`${d.stage} is not supported by speculative verification (it ${d.draws ? 'draws per step' : 'keeps per-step state'})`);
  }
}
