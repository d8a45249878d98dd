/**
 * The in-app losslessness check: run a speculative configuration and plain sampling (same
 * temperature and processors, strategy=sample) over many seeds through the page's engine client,
 * record the first M tokens of each run, and compare the two samples with a chi-square
 * homogeneity test (or, for relaxed acceptance, report their total variation distance).
 *
 * The two samples use disjoint seeds (speculative: seed .. seed+N-1, sampling: seed+N ..
 * seed+2N-1): with shared seeds both runs can draw from the same random numbers, which couples the
 * samples and makes the test blind to small differences.
 */
import { PARAMS, STRATEGIES, encodeConfig, normalizeConfig, type DecodeConfig } from '../../engine/config/index.ts';
import { countValues, homogeneityTest, totalVariation, type HomogeneityResult } from '../../engine/analysis/chiSquare.ts';
import type { TraceEvent } from '../../engine/trace/types.ts';
import { Comlink, engine } from './engineClient.ts';

export const DEFAULT_SEEDS = 200;
export const MAX_SEEDS = 5000;
export const MAX_CHECK_TOKENS = 4;
/** Significance level the result sentence reads the p-value against. */
export const ALPHA = 0.01;

export interface CheckOptions {
  seeds: number;
  /** Tokens per run compared (as one sequence). */
  tokens: number;
}

export interface CheckProgress {
  done: number;
  total: number;
  phase: 'sampling' | 'speculative';
}

export interface CheckResult {
  config: DecodeConfig;
  options: CheckOptions;
  /** Outcome (the first M tokens' text, joined) -> count, per sample. */
  speculative: Map<string, number>;
  sampling: Map<string, number>;
  test: HomogeneityResult;
  /** Total variation distance between the two empirical distributions. */
  tv: number;
  /** Relaxed (lossy) acceptance: the check measures drift instead of claiming losslessness. */
  lossy: boolean;
}

/** Joins an outcome's tokens into one category key ("a" + "b" stays apart from "ab"). */
const SEP = '\u0001';

/** An outcome key as text: its tokens, ⟩ between them. */
export function outcomeText(key: string, show: (token: string) => string): string {
  return key.split(SEP).map(show).join(' ⟩ ');
}

/** Strategies with speculative parameters (the ones whose runs emit draft/verify steps). */
export function isSpeculative(c: DecodeConfig): boolean {
  return STRATEGIES[c.strategy].params.some((p) => PARAMS[p].group === 'speculative');
}

export function isLossy(c: DecodeConfig): boolean {
  return STRATEGIES[c.strategy].lossy || c.relaxed_acceptance;
}

/** Runs both samples; resolves with null when cancelled. */
export async function checkLosslessness(
  config: DecodeConfig,
  options: CheckOptions,
  onProgress: (p: CheckProgress) => void,
  signal: AbortSignal,
): Promise<CheckResult | null> {
  const N = options.seeds;
  const base = { ...config, max_new_tokens: options.tokens };
  const plain = normalizeConfig({ ...base, strategy: 'sample' }).config;
  const seedOf = (i: number) => (config.seed + i) % (PARAMS.seed.max + 1);
  // Plain sampling first, so the worker ends holding the speculative models the page had loaded.
  const sampling = await sample(plain, Array.from({ length: N }, (_, i) => seedOf(N + i)), (done) => onProgress({ done, total: 2 * N, phase: 'sampling' }), signal);
  if (!sampling) return null;
  const speculative = await sample(base, Array.from({ length: N }, (_, i) => seedOf(i)), (done) => onProgress({ done: N + done, total: 2 * N, phase: 'speculative' }), signal);
  if (!speculative) return null;
  const a = countValues(speculative);
  const b = countValues(sampling);
  return { config, options, speculative: a, sampling: b, test: homogeneityTest(a, b), tv: totalVariation(a, b), lossy: isLossy(config) };
}

/** The first tokens of one run per seed, as text; null when cancelled. */
async function sample(config: DecodeConfig, seeds: number[], onEach: (done: number) => void, signal: AbortSignal): Promise<string[] | null> {
  const out: string[] = [];
  const onProgress = Comlink.proxy(() => undefined);
  for (const seed of seeds) {
    if (signal.aborted) return null;
    const c = { ...config, seed };
    const texts: string[] = [];
    let end: Extract<TraceEvent, { type: 'end' }> | undefined;
    // Events travel on the callback's own channel and may land after `run` resolves: wait for `end`.
    let ended: () => void = () => undefined;
    const gotEnd = new Promise<void>((r) => (ended = r));
    const onEvent = Comlink.proxy((e: TraceEvent) => {
      if (e.type === 'token') texts.push(e.text);
      else if (e.type === 'end') {
        end = e;
        ended();
      }
    });
    await engine().run(c, encodeConfig(c), onEvent, onProgress);
    await gotEnd;
    if (end?.reason === 'cancelled') return null;
    if (end?.reason === 'error') throw new Error(end.error ?? 'a run failed');
    out.push(texts.join(SEP));
    onEach(out.length);
  }
  return out;
}
