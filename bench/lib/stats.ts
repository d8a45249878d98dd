/**
 * Pure helpers shared by the Node suites and the browser bench page: medians, speculative-run
 * summaries from trace events, and the predicted speculative speedup. No Node or DOM APIs.
 */
import { passCosts } from '../../src/engine/analysis/specPayoff.ts';
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
  /**
   * Shape of the verification pass, median over steps: rows (root-to-leaf paths, batched) and new
   * tokens per row (the pending committed token + the deepest path).
   */
  verifyRows: number;
  verifyTokens: number;
}

export function summarizeSpec(events: readonly StrategyEvent[]): SpecSummary | undefined {
  const spec = events.filter((e): e is StrategyEvent<'spec'> => e.kind === 'spec');
  if (spec.length === 0) return undefined;
  let accepted = 0;
  let nodes = 0;
  const reached: number[] = [];
  const acc: number[] = [];
  const rows: number[] = [];
  const tokens: number[] = [];
  for (const e of spec) {
    accepted += e.data.accepted;
    nodes += e.data.nodes.length;
    const ns = e.data.nodes;
    const parents = new Set(ns.map((n) => n.parent));
    rows.push(Math.max(1, ns.filter((n) => !parents.has(n.id)).length));
    const depths = ns.map((n) => n.depth);
    tokens.push(1 + (ns.length ? Math.max(...depths) - Math.min(...depths) + 1 : 0));
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
    verifyRows: Math.round(median(rows)),
    verifyTokens: Math.round(median(tokens)),
  };
}

/** The run figures a prediction reads. */
export type CostStats = Pick<RunStats, 'tokensEmitted' | 'targetForwards' | 'draftForwards' | 'wallMs' | 'timing'>;

/** Milliseconds a run spent in passes: forwards, plus (withKernels) the kernels on their rows. */
function passMs(run: CostStats, withKernels: boolean): number {
  const c = passCosts(run, withKernels);
  return run.targetForwards * c.target + run.draftForwards * c.draft;
}

/**
 * Predicted speedup of a speculative run over plain decoding, from what the two runs measured:
 * the time plain decoding's passes take per token (its mean target pass) times the tokens this
 * run emitted, over the time this run's passes took (target verification passes and draft
 * passes, as many as its acceptance needed). Forwards only (withKernels false) is what the
 * models allow; with kernels, each pass also pays the kernel work on its rows (plain: one row;
 * a draft pass: its row; a verification pass: the examined rows). Both leave out the loop's
 * bookkeeping and the trace, which the measured speedup includes: measured / predicted (with
 * kernels) near 1 means the loop adds nothing beyond its passes.
 */
export function predictSpeedup(run: CostStats, plain: CostStats, withKernels: boolean): number {
  const plainPerToken = passMs(plain, withKernels) / plain.tokensEmitted;
  return (run.tokensEmitted * plainPerToken) / passMs(run, withKernels);
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

/** What every head-to-head suite (peer, llamacpp) reports: ms per token on both sides, their ratio, and our time split. */
export interface HeadToHead {
  tokens: number;
  reps: number;
  oursMsPerToken: number;
  theirsMsPerToken: number;
  /** ours / theirs time per token: < 1 means we are faster. */
  ratio: number;
  /** Each rep's ratio (ours / theirs of the adjacent pair), to show the spread. */
  pairRatios: number[];
  /** Median ms per token inside ORT, inside our kernels, and outside both. */
  oursOrt: number;
  oursKernels: number;
  oursOther: number;
}
