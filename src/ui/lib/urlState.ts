/**
 * The page's URL <-> DecodeConfig. The config codec lives in the engine (src/engine/config); this
 * adds the page's own keys (view mode, compare config) which the codec must not see as unknown.
 */
import { decodeConfig, encodeConfig, DEFAULT_CONFIG, type DecodeConfig } from '../../engine/config/index.ts';

export type Mode = 'run' | 'compare' | 'analyze' | 'classroom';
const MODES: readonly Mode[] = ['run', 'compare', 'analyze', 'classroom'];

/** Longest text analyze mode takes from a link. */
export const MAX_ANALYZE_CHARS = 4000;

/** Page keys, not part of a DecodeConfig. `b` holds compare mode's second config as its own query. */
const PAGE_KEYS = ['mode', 'b', 'text'] as const;

export interface PageState {
  config: DecodeConfig;
  warnings: string[];
  mode: Mode;
  /** Compare mode's second config (same prompt, seed and model as `config`). */
  compare?: DecodeConfig;
  /** Analyze mode's text. */
  text?: string;
}

export function readPageState(search: string): PageState {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  } catch {
    params = new URLSearchParams();
  }
  const warnings: string[] = [];
  const modeRaw = params.get('mode');
  let mode: Mode = 'run';
  if (modeRaw !== null) {
    if ((MODES as readonly string[]).includes(modeRaw)) mode = modeRaw as Mode;
    else warnings.push(`mode=${JSON.stringify(modeRaw.slice(0, 40))} is not a page mode (run, compare, analyze, classroom); showing run`);
  }
  const bRaw = params.get('b');
  let text = params.get('text') ?? undefined;
  if (text !== undefined && [...text].length > MAX_ANALYZE_CHARS) {
    text = [...text].slice(0, MAX_ANALYZE_CHARS).join('');
    warnings.push(`text is longer than ${MAX_ANALYZE_CHARS} characters; kept the first ${MAX_ANALYZE_CHARS}`);
  }
  for (const k of PAGE_KEYS) params.delete(k);
  const main = decodeConfig(params);
  warnings.unshift(...main.warnings);
  let compare: DecodeConfig | undefined;
  if (bRaw !== null) {
    const b = decodeConfig(bRaw);
    warnings.push(...b.warnings.map((w) => `second config (b): ${w}`));
    compare = sharedWith(main.config, b.config);
  }
  return { config: main.config, warnings, mode, compare, text };
}

/** Compare mode runs B on A's prompt, seed, model and length (common random numbers). */
export function sharedWith(a: DecodeConfig, b: DecodeConfig): DecodeConfig {
  return { ...b, prompt: a.prompt, seed: a.seed, model: a.model, draft: a.draft, max_new_tokens: a.max_new_tokens, backend: a.backend, dtype: a.dtype, stop: a.stop };
}

/** The query string (with "?") for a page state. */
export function writePageState(s: { config: DecodeConfig; mode: Mode; compare?: DecodeConfig; text?: string }): string {
  let q = encodeConfig(s.config);
  if (s.mode !== 'run') q += `&mode=${s.mode}`;
  if (s.mode === 'compare' && s.compare) q += `&b=${encodeURIComponent(encodeConfig(s.compare))}`;
  if (s.mode === 'analyze' && s.text) q += `&text=${encodeURIComponent(s.text)}`;
  return '?' + q;
}

/** A default second config for compare mode: greedy if A samples, else sampling. */
export function defaultCompare(a: DecodeConfig): DecodeConfig {
  const base = { ...DEFAULT_CONFIG, strategy: a.strategy === 'greedy' ? ('sample' as const) : ('greedy' as const) };
  return sharedWith(a, base);
}
