/**
 * Speculative payoff: for each speculative variant, the wall-clock speedup over plain
 * decoding with the same sampler (greedy at temperature 0, sampling at 0.8), measured in
 * interleaved repetitions, beside the speedup its passes predict: the tokens it emitted at plain
 * decoding's cost per token, over the time its target and draft passes took (as many as its
 * acceptance needed), forwards only and with the kernels on their rows (bench/lib/stats.ts). Rows
 * below 1x are where speculation does not pay.
 *
 *   npm run bench -- speculative [--backends cpu] [--tokens 64] [--reps 3] [--temperatures 0,0.8]
 *                                [--prompts natural,repetitive] [--quick] [--out DIR]
 */
import type { StrategyId } from '../src/engine/config/index.ts';
import { DEFAULT_OUT, LONG_TEXT, envelope, flagBool, flagNum, mdHeader, writeResults, type Envelope, type Written } from './lib/common.ts';
import type { OurRun } from './lib/loops.ts';
import { passCosts } from '../src/engine/analysis/specPayoff.ts';
import { fmt, mdTable, median, predictSpeedup, type SpecSummary } from './lib/stats.ts';
import { checked, costProbe, q, target, type BenchBackend } from './lib/targets.ts';

/** Every speculative strategy id the registry knows. */
export const SPECULATIVE: StrategyId[] = ['spec-chain', 'spec-tree', 'spec-rsd', 'spec-adaptive', 'prompt-lookup', 'recycling'];

export const PROMPTS: Record<string, string> = {
  natural: 'The committee said that',
  // Text that repeats itself: where draft-model-free lookup has something to copy.
  repetitive: Array(3).fill(LONG_TEXT.split('. ').slice(0, 2).join('. ') + '.').join(' '),
};

export interface SpecRow {
  backend: BenchBackend;
  prompt: string;
  temperature: number;
  strategy: StrategyId;
  baseline: 'greedy' | 'sample';
  tokens: number;
  reps: number;
  tokensPerSecond: number;
  baselineTokensPerSecond: number;
  /** Measured: median over reps of (variant tok/s / baseline tok/s of the same rep). */
  speedup: number;
  /** Predicted from the passes alone (forwards), median over reps of the same pairs. */
  predicted: number;
  /** Predicted from the passes with the kernels on their rows. */
  predictedWithKernels: number;
  /** Median over reps of measured / predictedWithKernels: what the loop costs beyond its passes (1 = nothing). */
  loopEfficiency: number;
  spec?: SpecSummary;
  targetForwardsPerToken: number;
  draftForwardsPerStep: number;
  /** Mean pass costs inside the median run (ms): forwards alone and with their kernels. */
  passes: { target: number; draft: number; targetWithKernels: number; draftWithKernels: number };
}

export interface SpecReport {
  prompts: Record<string, string>;
  rows: SpecRow[];
  /** Forward costs (ms) at the benchmark context: target and draft, one token. */
  forward: Record<string, { target1: number; draft1: number; ratio: number; context: number }>;
  skipped: string[];
}

export interface SpecOptions {
  backends?: BenchBackend[];
  tokens?: number;
  reps?: number;
  temperatures?: number[];
  prompts?: string[];
  variants?: StrategyId[];
  outDir?: string;
}

export async function runSpeculative(opts: SpecOptions = {}): Promise<SpecReport & { files: Written }> {
  const backends = opts.backends ?? ['cpu'];
  const tokens = opts.tokens ?? 64;
  const reps = opts.reps ?? 3;
  const temps = opts.temperatures ?? [0, 0.8];
  const promptNames = opts.prompts ?? Object.keys(PROMPTS);
  const variants = SPECULATIVE.filter((s) => !opts.variants || opts.variants.includes(s));
  const env: Envelope = envelope('speculative', { backends, tokens, reps, temperatures: temps, prompts: promptNames });
  const rows: SpecRow[] = [];
  const skipped: string[] = [];
  const forward: SpecReport['forward'] = {};
  for (const backend of backends) {
    const t = await target(backend);
    if (t.browser) env.browser = t.browser.info;
    const probe = await costProbe(backend);
    const costReps = backend === 'webgpu' ? 2 : 15;
    for (const pname of promptNames) {
      const prompt = PROMPTS[pname];
      // Costs at the middle of the generated span: prompt + half the new tokens.
      const promptIds = await probe.encode(prompt);
      const filler = await probe.encode(LONG_TEXT);
      const ctx = [...promptIds, ...filler].slice(0, promptIds.length + (tokens >> 1));
      // Untimed first passes (a freshly loaded session's first runs are slow), then the costs.
      await probe.forwardMs('target', ctx, 1, 1, 3);
      await probe.forwardMs('draft', ctx, 1, 1, 3);
      const target1 = await probe.forwardMs('target', ctx, 1, 1, costReps);
      const draft1 = await probe.forwardMs('draft', ctx, 1, 1, costReps);
      forward[`${backend}/${pname}`] = { target1, draft1, ratio: draft1 / target1, context: ctx.length };
      for (const temperature of temps) {
        const baseline = temperature === 0 ? 'greedy' : 'sample';
        const query = (strategy: string, n: number) =>
          q({ strategy, max_new_tokens: n, seed: 5, prompt, ...(strategy === 'greedy' ? {} : { temperature }) });
        // Warm-up (loads both sessions, first-call compilation), untimed.
        checked(await t.run(query(baseline, 2)), 'warm-up');
        const live: StrategyId[] = [];
        for (const v of variants) {
          try {
            checked(await t.run(query(v, 2)), `${v} warm-up`);
            live.push(v);
          } catch (err) {
            skipped.push(`${backend} ${pname} T=${temperature} ${v}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        const base: OurRun[] = [];
        const runs = new Map<StrategyId, OurRun[]>(live.map((v) => [v, []]));
        for (let r = 0; r < reps; r++) {
          base.push(checked(await t.run(query(baseline, tokens)), baseline));
          const order = r % 2 ? [...live].reverse() : live;
          for (const v of order) runs.get(v)!.push(checked(await t.run(query(v, tokens)), v));
        }
        const baseTps = median(base.map((x) => x.stats.tokensPerSecond));
        for (const v of live) {
          const rs = runs.get(v)!;
          const mid = [...rs].sort((a, b) => a.stats.tokensPerSecond - b.stats.tokensPerSecond)[(rs.length - 1) >> 1];
          const spec = mid.spec;
          const measured = rs.map((x, i) => x.stats.tokensPerSecond / base[i].stats.tokensPerSecond);
          const predicted = rs.map((x, i) => predictSpeedup(x.stats, base[i].stats, false));
          const withKernels = rs.map((x, i) => predictSpeedup(x.stats, base[i].stats, true));
          const [models, full] = [passCosts(mid.stats, false), passCosts(mid.stats, true)];
          const row: SpecRow = {
            backend,
            prompt: pname,
            temperature,
            strategy: v,
            baseline,
            tokens: mid.stats.tokensEmitted,
            reps,
            tokensPerSecond: median(rs.map((x) => x.stats.tokensPerSecond)),
            baselineTokensPerSecond: baseTps,
            speedup: median(measured),
            predicted: median(predicted),
            predictedWithKernels: median(withKernels),
            loopEfficiency: median(measured.map((m, i) => m / withKernels[i])),
            spec,
            targetForwardsPerToken: mid.stats.targetForwards / Math.max(1, mid.stats.tokensEmitted),
            draftForwardsPerStep: spec && spec.steps ? mid.stats.draftForwards / spec.steps : 0,
            passes: { target: models.target, draft: models.draft, targetWithKernels: full.target, draftWithKernels: full.draft },
          };
          rows.push(row);
          process.stdout.write(
            `spec ${backend} ${pname} T=${temperature} ${v}: ${row.speedup.toFixed(2)}x measured, ${row.predicted.toFixed(2)}x predicted (forwards), ${row.predictedWithKernels.toFixed(2)}x (with kernels), mean accepted ${fmt(spec?.meanAccepted)}\n`,
          );
        }
      }
    }
  }
  const report: SpecReport = { prompts: Object.fromEntries(promptNames.map((p) => [p, PROMPTS[p]])), rows, forward, skipped };
  const files = writeResults(opts.outDir ?? DEFAULT_OUT, env, report, specMarkdown(env, report));
  return { ...report, files };
}

export function specMarkdown(env: Envelope, r: SpecReport): string {
  const parts = [
    mdHeader('Speculative payoff: measured vs predicted speedup', env, [
      ...Object.entries(r.prompts).map(([k, v]) => `- Prompt "${k}": "${v.length > 90 ? v.slice(0, 90) + '…' : v}"`),
      '- Baseline: plain decoding with the same sampler (greedy at T = 0, sampling at T > 0), seed 5; each repetition runs the baseline then every variant (order alternating).',
    ]),
    '## Forward costs (ms, median, one new token)',
    '',
    mdTable(
      ['backend / prompt', 'context tokens', 'target', 'draft', 'draft / target'],
      Object.entries(r.forward).map(([k, f]) => [k, f.context, fmt(f.target1), fmt(f.draft1), fmt(f.ratio, 3)]),
    ),
    '',
    '## Speedup over plain decoding',
    '',
    mdTable(
      [
        'backend', 'prompt', 'T', 'variant', 'tok/s', 'baseline tok/s', 'measured ×', 'predicted × (forwards)', 'predicted × (with kernels)', 'measured / predicted (with kernels)',
        'pays?', 'mean accepted', 'accept rate by depth', 'target fwd / token', 'draft fwd / step', 'tree (paths×tokens)', 'target pass ms (with kernels)', 'draft pass ms (with kernels)',
      ],
      r.rows.map((x) => [
        x.backend,
        x.prompt,
        x.temperature,
        x.strategy,
        fmt(x.tokensPerSecond, 1),
        fmt(x.baselineTokensPerSecond, 1),
        `**${fmt(x.speedup)}**`,
        fmt(x.predicted),
        fmt(x.predictedWithKernels),
        `**${fmt(x.loopEfficiency)}**`,
        x.speedup >= 1 ? 'yes' : 'no',
        fmt(x.spec?.meanAccepted),
        x.spec ? x.spec.acceptanceByDepth.map((a) => fmt(a, 2)).join(' ') : '—',
        fmt(x.targetForwardsPerToken),
        fmt(x.draftForwardsPerStep, 1),
        x.spec ? `${x.spec.verifyRows}×${x.spec.verifyTokens}` : '—',
        `${fmt(x.passes.target)} (${fmt(x.passes.targetWithKernels)})`,
        x.passes.draft ? `${fmt(x.passes.draft)} (${fmt(x.passes.draftWithKernels)})` : '—',
      ]),
    ),
    '',
    'Predicted × = tokens emitted × plain decoding\'s pass cost per token ÷ the time this run\'s passes',
    'took (its target verification passes and draft passes, as many as its acceptance needed), all',
    'measured inside the paired runs (stats.timing). "Forwards" prices a pass at its model time alone:',
    'what speculation would give if sampling were free. "With kernels" adds the kernel time spent on',
    'each pass\'s rows (plain: sampling one row; draft: processing and sampling its row; target:',
    'verifying and describing the step\'s rows). Neither includes the loop\'s bookkeeping and trace,',
    'so measured / predicted (with kernels) is the share of the run the passes account for (1 = the',
    'loop adds nothing). On these 4-layer models a forward costs about as much as the kernels on',
    'a 4096-token row, which is why the two predictions differ: with a larger model the kernels',
    'fade and the forwards-only figure becomes the one to read. The forward-cost table above is',
    'probed separately (ModelRunner alone, one token after the context) as a cross-check.',
    'Speculation pays when draft passes are cheap relative to the target and acceptance is high.',
    '',
  ];
  if (r.skipped.length) parts.push('Skipped:', '', ...r.skipped.map((s) => `- ${s}`), '');
  return parts.join('\n');
}

export async function runSpeculativeFromArgs(f: Record<string, string>) {
  const quick = flagBool(f, 'quick');
  const list = (k: string) => (f[k] ? f[k].split(',').map((x) => x.trim()) : undefined);
  return runSpeculative({
    backends: (list('backends') as BenchBackend[] | undefined) ?? ['cpu'],
    tokens: flagNum(f, 'tokens', quick ? 8 : 64),
    reps: flagNum(f, 'reps', quick ? 1 : 3),
    temperatures: list('temperatures')?.map(Number) ?? (quick ? [0.8] : undefined),
    prompts: list('prompts') ?? (quick ? ['natural'] : undefined),
    variants: list('variants') as StrategyId[] | undefined,
    outDir: f.out,
  });
}
