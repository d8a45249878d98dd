/**
 * Pure helpers shared by the Node suites and the browser bench page: medians, speculative-run
 * summaries from trace events, and the predicted speculative speedup. No Node or DOM APIs.
 */
import type { RunStats, StrategyEvent } from '../../src/engine/trace/types.ts';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Speculative steps of one run, summed: what the payoff model needs. */
export interface SpecSummary {
  /** Verification steps (one target pass each). */
  steps: number;
  /** Draft tokens accepted, over all steps. */
  accepted: number;
  /** Mean accepted length per step (drafted tokens kept; the emitted residual/bonus token is extra). */
  meanAccepted: number;
  /** Mean draft nodes per step (tree size or chain length). */
  meanNodes: number;
  /** Acceptance rate per draft depth: accepted / reached. */
  acceptanceByDepth: number[];
}

export function summarizeSpec(events: readonly StrategyEvent[]): SpecSummary | undefined {
  const spec = events.filter((e): e is StrategyEvent<'spec'> => e.kind === 'spec');
  if (spec.length === 0) return undefined;
  let accepted = 0;
  let nodes = 0;
  const reached: number[] = [];
  const acc: number[] = [];
  for (const e of spec) {
    accepted += e.data.accepted;
    nodes += e.data.nodes.length;
    (e.data.depths ?? []).forEach((d, i) => {
      reached[i] = (reached[i] ?? 0) + (d.reached ? 1 : 0);
      acc[i] = (acc[i] ?? 0) + (d.accepted ? 1 : 0);
    });
  }
  return {
    steps: spec.length,
    accepted,
    meanAccepted: accepted / spec.length,
    meanNodes: nodes / spec.length,
    acceptanceByDepth: reached.map((r, i) => (r ? (acc[i] ?? 0) / r : 0)),
  };
}

/** Forward-pass costs (ms) measured on the same backend as the runs they predict. */
export interface ForwardCosts {
  /** Target, one new token at the benchmark's context length. */
  target1: number;
  /** Draft, one new token. 0 for draft-model-free variants. */
  draft1: number;
  /** Target verification cost by number of new tokens in one pass (T -> ms), T ascending. */
  targetByTokens: [number, number][];
}

/** Linear interpolation of the verification cost for T new tokens (clamped at the ends). */
export function verifyCost(c: ForwardCosts, tokens: number): number {
  const pts = c.targetByTokens;
  if (pts.length === 0) return c.target1;
  if (tokens <= pts[0][0]) return pts[0][1];
  for (let i = 1; i < pts.length; i++) {
    const [t1, m1] = pts[i];
    const [t0, m0] = pts[i - 1];
    if (tokens <= t1) return m0 + ((m1 - m0) * (tokens - t0)) / (t1 - t0);
  }
  const [tl, ml] = pts[pts.length - 1];
  const [tp, mp] = pts.length > 1 ? pts[pts.length - 2] : [0, 0];
  return ml + ((ml - mp) / Math.max(1, tl - tp)) * (tokens - tl);
}

/**
 * Predicted speedup over plain decoding from measured acceptance and forward costs:
 *   tokens per step = mean accepted + 1 (the residual or bonus token),
 *   cost per step   = draft forwards per step x draft cost + verify cost(nodes + 1 tokens),
 *   speedup         = tokens per step x target cost / cost per step.
 * Sampling/kernel time is ignored on both sides (it is per token and cancels to first order).
 */
export function predictSpeedup(s: SpecSummary, run: Pick<RunStats, 'draftForwards' | 'targetForwards'>, c: ForwardCosts): number {
  const draftPerStep = s.steps ? run.draftForwards / s.steps : 0;
  const verify = verifyCost(c, Math.max(1, Math.round(s.meanNodes) + 1));
  const perStep = draftPerStep * c.draft1 + verify;
  return ((s.meanAccepted + 1) * c.target1) / perStep;
}

export const fmt = (x: number | undefined, digits = 2): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
export const fmtBytes = (b: number | undefined): string => {
  if (b === undefined || !Number.isFinite(b)) return '—';
  const a = Math.abs(b);
  if (a >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (a >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${Math.round(b)} B`;
};

/** A Markdown table from a header and rows of cells. `align` per column: 'l' | 'r' | 'c'. */
export function mdTable(header: string[], rows: (string | number)[][], align?: string): string {
  const al = (align ?? header.map((_, i) => (i === 0 ? 'l' : 'r')).join('')).split('');
  const sep = al.map((a) => (a === 'r' ? '---:' : a === 'c' ? ':---:' : '---'));
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), `|${sep.join('|')}|`, ...rows.map(line)].join('\n');
}
