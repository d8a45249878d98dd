/**
 * Human summaries of a config: a one-line title for run cards, compare columns and the CLI, and
 * the list of keys two configs differ in (compare mode highlights them).
 */
import { PARAMS, PARAM_KEYS, type DecodeConfig, type ParamKey } from './params.ts';
import { STRATEGIES } from './strategies.ts';
import { formatNumber, show } from './text.ts';

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function text(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (Array.isArray(v)) return v.map((x) => show(x)).join(' ');
  return show(v);
}

/** Keys whose values differ between two configs, in canonical order. */
export function configDiff(a: DecodeConfig, b: DecodeConfig): ParamKey[] {
  return PARAM_KEYS.filter((k) => !same(a[k], b[k]));
}

/**
 * One line, e.g. "sample temperature=0.7 top_p=0.9 · seed 7 · 64 tokens · playground/brown-target-v1".
 * Lists only the strategy's own parameters that differ from their defaults (others do not act).
 */
export function describeConfig(c: DecodeConfig): string {
  const s = STRATEGIES[c.strategy];
  const changed = s.params.filter((k) => !same(c[k], PARAMS[k].default)).map((k) => `${k}=${text(c[k])}`);
  const parts = [[c.strategy, ...changed].join(' '), `seed ${c.seed}`, `${c.max_new_tokens} tokens`, s.needsDraft ? `${c.model} + ${c.draft}` : c.model];
  if (c.stop.length) parts.push(`stop ${text(c.stop)}`);
  return parts.join(' · ');
}
