/** Pure helpers for compare mode. */
import type { TokenEvent } from '../../engine/trace/types.ts';

/** Indexes where the two token sequences differ (including the longer one's tail). */
export function diffIndexes(a: readonly { id: number }[], b: readonly { id: number }[]): Set<number> {
  const out = new Set<number>();
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i]?.id !== b[i]?.id) out.add(i);
  return out;
}

export function firstDivergence(a: readonly { id: number }[], b: readonly { id: number }[]): number | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i]?.id !== b[i]?.id) return i;
  return null;
}

export interface Summary {
  tokens: number;
  meanProb: number;
  meanEntropy: number;
  meanLogprob: number;
  outsideTop10: number;
  distinctRatio: number;
}

export function summarize(tokens: readonly TokenEvent[]): Summary {
  const n = tokens.length;
  if (!n) return { tokens: 0, meanProb: 0, meanEntropy: 0, meanLogprob: 0, outsideTop10: 0, distinctRatio: 0 };
  const sum = (f: (t: TokenEvent) => number) => tokens.reduce((s, t) => s + f(t), 0);
  return {
    tokens: n,
    meanProb: sum((t) => t.prob) / n,
    meanEntropy: sum((t) => t.entropy) / n,
    meanLogprob: sum((t) => t.logprob) / n,
    outsideTop10: tokens.filter((t) => t.rank >= 10).length,
    distinctRatio: new Set(tokens.map((t) => t.id)).size / n,
  };
}
