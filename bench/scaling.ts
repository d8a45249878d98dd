/**
 * Scaling with context: cost per token as the context grows, for the embedded target (max 512
 * positions, so 64 .. 448 here; 1024 needs a hub model with a longer context). Two views per
 * context length: the raw target forward pass (ModelRunner alone, one new token) and the full
 * greedy loop (per-token time after the first token, trace recorded). Growth with the vocabulary
 * comes from the kernels suite.
 *
 *   npm run bench -- scaling [--backends cpu,wasm] [--contexts 64,128,...,448] [--tokens 16]
 *                            [--reps 5] [--quick] [--out DIR]
 */
import { DEFAULT_OUT, LONG_TEXT, envelope, flagBool, flagList, flagNum, mdHeader, writeResults, type Envelope, type Written } from './lib/common.ts';
import { fmt, mdTable, median } from './lib/stats.ts';
import { checked, costProbe, q, target, type BenchBackend } from './lib/targets.ts';

export const DEFAULT_CONTEXTS = [64, 128, 192, 256, 320, 384, 448];

export interface ScalingRow {
  backend: BenchBackend;
  /** Requested and actual prompt tokens (re-encoding a cut text can shift by a token). */
  context: number;
  promptTokens: number;
  forwardMs: number;
  /** Full loop: ms per token after the first, median over reps. */
  loopMsPerToken: number;
  /** Relative to the smallest context on the same backend. */
  forwardVsFirst: number;
  loopVsFirst: number;
}

export interface ScalingReport {
  rows: ScalingRow[];
  /** Least-squares slope of the loop cost: ms per token per 100 context tokens, per backend. */
  slopes: Record<string, { forward: number; loop: number }>;
}

export interface ScalingOptions {
  backends?: BenchBackend[];
  contexts?: number[];
  tokens?: number;
  reps?: number;
  outDir?: string;
}

export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

export async function runScaling(opts: ScalingOptions = {}): Promise<ScalingReport & { files: Written }> {
  const backends = opts.backends ?? ['cpu', 'wasm'];
  const contexts = opts.contexts ?? DEFAULT_CONTEXTS;
  const tokens = opts.tokens ?? 16;
  const reps = opts.reps ?? 3;
  const env: Envelope = envelope('scaling', { backends, contexts, tokens, reps });
  const rows: ScalingRow[] = [];
  const slopes: ScalingReport['slopes'] = {};
  for (const backend of backends) {
    const t = await target(backend);
    if (t.browser) env.browser = t.browser.info;
    const probe = await costProbe(backend);
    const long = await probe.encode(`${LONG_TEXT} ${LONG_TEXT} ${LONG_TEXT}`);
    checked(await t.run(q({ strategy: 'greedy', max_new_tokens: 2, prompt: 'Warm up' })), 'warm-up');
    const mine: ScalingRow[] = [];
    for (const L of contexts) {
      const ids = long.slice(0, L);
      const forwardMs = await probe.forwardMs('target', ids, 1, 1, backend === 'webgpu' ? 2 : 5);
      const prompt = await probe.decode(ids);
      const per: number[] = [];
      let promptTokens = L;
      for (let r = 0; r < reps; r++) {
        const run = checked(await t.run(q({ strategy: 'greedy', max_new_tokens: tokens, prompt })), `scaling ${backend} ${L}`);
        promptTokens = run.stats.promptTokens;
        const n = run.stats.tokensEmitted;
        if (n > 1) per.push((run.stats.wallMs - run.stats.firstTokenMs) / (n - 1));
      }
      const row: ScalingRow = { backend, context: L, promptTokens, forwardMs, loopMsPerToken: median(per), forwardVsFirst: NaN, loopVsFirst: NaN };
      mine.push(row);
      process.stdout.write(`scaling ${backend} ctx ${promptTokens}: forward ${forwardMs.toFixed(2)} ms, loop ${row.loopMsPerToken.toFixed(2)} ms/token\n`);
    }
    for (const r of mine) {
      r.forwardVsFirst = r.forwardMs / mine[0].forwardMs;
      r.loopVsFirst = r.loopMsPerToken / mine[0].loopMsPerToken;
    }
    const xs = mine.map((r) => r.promptTokens);
    slopes[backend] = { forward: 100 * slope(xs, mine.map((r) => r.forwardMs)), loop: 100 * slope(xs, mine.map((r) => r.loopMsPerToken)) };
    rows.push(...mine);
  }
  const report: ScalingReport = { rows, slopes };
  const files = writeResults(opts.outDir ?? DEFAULT_OUT, env, report, scalingMarkdown(env, report));
  return { ...report, files };
}

export function scalingMarkdown(env: Envelope, r: ScalingReport): string {
  return [
    mdHeader('Scaling: cost per token as the context grows', env, [
      '- Embedded target: 512 positions, so contexts stop at 448 (+ the generated tokens); 1024 needs a hub model with a longer context.',
      '- Vocabulary growth (4k .. 152k) is in the kernels suite: the per-token sampling chain is the only vocabulary-dependent part outside the model.',
    ]),
    mdTable(
      ['backend', 'context tokens', 'target forward ms', '× smallest', 'greedy loop ms / token', '× smallest'],
      r.rows.map((x) => [x.backend, x.promptTokens, fmt(x.forwardMs), fmt(x.forwardVsFirst), fmt(x.loopMsPerToken), fmt(x.loopVsFirst)]),
    ),
    '',
    mdTable(
      ['backend', 'forward: ms per 100 context tokens', 'loop: ms per 100 context tokens'],
      Object.entries(r.slopes).map(([b, s]) => [b, fmt(s.forward, 3), fmt(s.loop, 3)]),
    ),
    '',
    'Least-squares slopes: the growth rate of the per-token cost with the context (attention over the',
    'KV cache is linear in the context per token). "Target forward" is ModelRunner alone (one new token',
    'after a prefilled context); the loop adds the kernels, the trace and the token decode per step.',
    '',
  ].join('\n');
}

export async function runScalingFromArgs(f: Record<string, string>) {
  const quick = flagBool(f, 'quick');
  return runScaling({
    backends: f.backends ? (f.backends.split(',') as BenchBackend[]) : quick ? ['cpu'] : undefined,
    contexts: flagList(f, 'contexts') ?? (quick ? [64, 256] : undefined),
    tokens: flagNum(f, 'tokens', quick ? 4 : 16),
    reps: flagNum(f, 'reps', quick ? 1 : 3),
    outDir: f.out,
  });
}
