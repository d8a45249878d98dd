/**
 * End-to-end suite: every strategy on the embedded pair, in Node on the CPU and in
 * headless Chromium on WASM and WebGPU (WGSL kernels). Tokens/s, time to first token, forward
 * passes per emitted token, bytes read back per token, peak JS heap and live GPU buffer bytes.
 *
 *   npm run bench -- e2e [--backends cpu,wasm,webgpu] [--strategies greedy,sample] [--tokens 48]
 *                        [--browser-tokens 24] [--webgpu-tokens 8] [--reps 2] [--quick] [--out DIR]
 */
import { STRATEGIES, STRATEGY_IDS, type StrategyId } from '../src/engine/config/index.ts';
import { DEFAULT_OUT, envelope, flagBool, flagNum, mdHeader, writeResults, type Written } from './lib/common.ts';
import type { OurRun } from './lib/loops.ts';
import { fmt, fmtBytes, mdTable, median } from './lib/stats.ts';
import { ALL_BACKENDS, checked, q, target, type BenchBackend } from './lib/targets.ts';

export const E2E_PROMPT = 'The committee said that';

export interface E2eRow {
  backend: BenchBackend;
  kernels: string;
  strategy: StrategyId;
  tokens: number;
  reason: string;
  reps: number;
  tokensPerSecond: number;
  firstTokenMs: number;
  wallMs: number;
  /** Tokens/s relative to greedy on the same backend in this run. */
  vsGreedy: number;
  targetForwardsPerToken: number;
  draftForwardsPerToken: number;
  bytesReadBackPerToken: number;
  /** Share of the run's wall time inside ORT session.run. */
  ortShare: number;
  heapPeakBytes: number;
  heapGrowthBytes: number;
  gpuPeakBytes?: number;
  gpuPeakBuffers?: number;
  meanAccepted?: number;
}

export interface E2eReport {
  prompt: string;
  rows: E2eRow[];
  skipped: string[];
}

export interface E2eOptions {
  backends?: BenchBackend[];
  strategies?: StrategyId[];
  /** New tokens per run: Node CPU, WASM, WebGPU (SwiftShader is ~100x slower than WASM here). */
  tokens?: number;
  browserTokens?: number;
  webgpuTokens?: number;
  reps?: number;
  /** Browser runs stop after this many ms (reason 'cancelled'); default 20 s. */
  deadlineMs?: number;
  outDir?: string;
}

/** Strategies without a draft first, so each backend loads the draft model once. */
export function benchStrategies(only?: StrategyId[]): StrategyId[] {
  const list = STRATEGY_IDS.filter((s) => !only || only.includes(s));
  return [...list.filter((s) => !STRATEGIES[s].needsDraft), ...list.filter((s) => STRATEGIES[s].needsDraft)];
}

export function strategyQuery(strategy: StrategyId, tokens: number, prompt = E2E_PROMPT): string {
  return q({ strategy, max_new_tokens: tokens, seed: 7, temperature: 0.8, prompt });
}

function toRow(backend: BenchBackend, strategy: StrategyId, runs: OurRun[]): E2eRow {
  const byTps = [...runs].sort((a, b) => a.stats.tokensPerSecond - b.stats.tokensPerSecond);
  const r = byTps[(byTps.length - 1) >> 1]; // the median run (lower middle)
  const n = Math.max(1, r.stats.tokensEmitted);
  return {
    backend,
    kernels: r.kernels,
    strategy,
    tokens: r.stats.tokensEmitted,
    reason: r.reason,
    reps: runs.length,
    tokensPerSecond: median(runs.map((x) => x.stats.tokensPerSecond)),
    firstTokenMs: median(runs.map((x) => x.stats.firstTokenMs)),
    wallMs: median(runs.map((x) => x.stats.wallMs)),
    vsGreedy: NaN,
    targetForwardsPerToken: r.stats.targetForwards / n,
    draftForwardsPerToken: r.stats.draftForwards / n,
    bytesReadBackPerToken: r.stats.bytesReadBackPerToken,
    ortShare: r.outerMs > 0 ? r.ortMs / r.outerMs : NaN,
    heapPeakBytes: Math.max(...runs.map((x) => x.heapPeak)),
    heapGrowthBytes: Math.max(...runs.map((x) => x.heapPeak - x.heapStart)),
    gpuPeakBytes: r.gpuPeakBytes,
    gpuPeakBuffers: r.gpuPeakBuffers,
    meanAccepted: r.spec?.meanAccepted,
  };
}

export async function runE2e(opts: E2eOptions = {}): Promise<E2eReport & { files: Written }> {
  const backends = opts.backends ?? ALL_BACKENDS;
  const strategies = benchStrategies(opts.strategies);
  const reps = opts.reps ?? 2;
  const tokensFor = (b: BenchBackend) => (b === 'cpu' ? (opts.tokens ?? 48) : b === 'wasm' ? (opts.browserTokens ?? 24) : (opts.webgpuTokens ?? 8));
  const env = envelope('e2e', { backends, strategies, tokens: opts.tokens, 'browser-tokens': opts.browserTokens, 'webgpu-tokens': opts.webgpuTokens, reps, 'deadline-ms': opts.deadlineMs });
  const rows: E2eRow[] = [];
  const skipped: string[] = [];
  for (const backend of backends) {
    const t = await target(backend);
    if (t.browser) env.browser = t.browser.info;
    const n = tokensFor(backend);
    const bReps = backend === 'webgpu' ? 1 : reps;
    // Strategies with many forwards per token (CNTP trials, AdaDec lookaheads) on SwiftShader
    // would take minutes: a run stops at the deadline and reports the tokens it made by then.
    const deadline = backend === 'cpu' ? 0 : (opts.deadlineMs ?? 20_000);
    // Untimed warm-up: on CPU and WASM every strategy (first-call JIT of its code paths), on
    // WebGPU (slow) once per session (with and without the draft model).
    const runs = new Map<StrategyId, OurRun[]>(strategies.map((s) => [s, []]));
    const warmed = new Set<boolean>();
    for (const strategy of [...strategies]) {
      const needsDraft = STRATEGIES[strategy].needsDraft;
      if (backend !== 'webgpu' || !warmed.has(needsDraft)) {
        try {
          checked(await t.run(strategyQuery(strategy, 2), 0, deadline), `${backend} ${strategy} warm-up`);
        } catch (err) {
          skipped.push(`${backend} ${strategy}: ${err instanceof Error ? err.message : String(err)}`);
          runs.delete(strategy);
          continue;
        }
        warmed.add(needsDraft);
      }
    }
    // Repetitions outer, strategies inner: a slow spell on the shared machine hits every strategy.
    for (let i = 0; i < bReps; i++) {
      for (const strategy of strategies) {
        const list = runs.get(strategy);
        if (!list) continue;
        try {
          list.push(checked(await t.run(strategyQuery(strategy, n), 0, deadline), `${backend} ${strategy}`));
        } catch (err) {
          skipped.push(`${backend} ${strategy}: ${err instanceof Error ? err.message : String(err)}`);
          runs.delete(strategy);
        }
      }
    }
    for (const strategy of strategies) {
      const list = runs.get(strategy);
      if (!list?.length) continue;
      const row = toRow(backend, strategy, list);
      rows.push(row);
      process.stdout.write(`e2e ${backend} ${strategy}: ${row.tokensPerSecond.toFixed(2)} tok/s, TTFT ${row.firstTokenMs.toFixed(0)} ms, ${row.targetForwardsPerToken.toFixed(2)} target fwd/token\n`);
    }
  }
  for (const r of rows) {
    const g = rows.find((x) => x.backend === r.backend && x.strategy === 'greedy');
    r.vsGreedy = g ? r.tokensPerSecond / g.tokensPerSecond : NaN;
  }
  const report: E2eReport = { prompt: E2E_PROMPT, rows, skipped };
  const files = writeResults(opts.outDir ?? DEFAULT_OUT, env, report, e2eMarkdown(env, report));
  return { ...report, files };
}

const BACKEND_LABEL: Record<BenchBackend, string> = {
  cpu: 'Node, onnxruntime-node CPU, CPU kernels',
  wasm: 'Chromium, ORT WASM, CPU kernels',
  webgpu: 'Chromium, ORT WebGPU (SwiftShader), WGSL kernels',
};

/** The smallest vocabulary V for which `bytes` per token is under 1% of a logits row (V x 4 bytes). */
export function onePercentVocab(bytes: number): number {
  return Math.floor(bytes / 0.04) + 1;
}

export function e2eMarkdown(env: ReturnType<typeof envelope>, r: E2eReport): string {
  const parts = [
    mdHeader('End to end: every strategy on the embedded pair', env, [
      `- Prompt: "${r.prompt}", seed 7, temperature 0.8 where the strategy samples; fp32 weights; loading and warm-up excluded; browser runs stop at a deadline ("cancelled": figures cover the tokens made by then)`,
    ]),
  ];
  for (const backend of ALL_BACKENDS) {
    const rows = r.rows.filter((x) => x.backend === backend);
    if (!rows.length) continue;
    parts.push(
      `## ${backend} — ${BACKEND_LABEL[backend]}`,
      '',
      mdTable(
        ['strategy', 'tokens', 'tok/s', '× greedy', 'TTFT ms', 'target fwd / token', 'draft fwd / token', 'mean accepted', 'bytes read back / token', '< 1% of a logits row from vocab', 'in ORT', 'peak JS heap (growth)', 'peak GPU buffers'],
        rows.map((x) => [
          x.strategy,
          `${x.tokens}${x.reason === 'max_tokens' ? '' : ` (${x.reason})`}`,
          fmt(x.tokensPerSecond, 2),
          fmt(x.vsGreedy, 2),
          fmt(x.firstTokenMs, 0),
          fmt(x.targetForwardsPerToken, 2),
          fmt(x.draftForwardsPerToken, 2),
          fmt(x.meanAccepted, 2),
          fmtBytes(x.bytesReadBackPerToken),
          x.bytesReadBackPerToken > 0 ? String(onePercentVocab(x.bytesReadBackPerToken)) : '—',
          `${fmt(100 * x.ortShare, 0)}%`,
          `${fmtBytes(x.heapPeakBytes)} (+${fmtBytes(x.heapGrowthBytes)})`,
          x.gpuPeakBytes === undefined ? '—' : `${fmtBytes(x.gpuPeakBytes)} in ${x.gpuPeakBuffers}`,
        ]),
      ),
      '',
    );
  }
  parts.push(
    'Notes: tok/s and TTFT are the medians of the timed runs (WebGPU: one run). "in ORT" is the share of',
    'the wall time spent inside onnxruntime `session.run` (on WebGPU, run() can resolve before the GPU',
    'finishes, so the wait shows up in the kernels\' readback instead). Bytes read back are the kernels\'',
    'GPU→JS copies (0 on the CPU paths, where the logits are already in JavaScript): result blocks and',
    'top-k lists whose size does not grow with the vocabulary, so a strategy reads back under 1% of a',
    'logits row (V × 4 bytes) per token from the vocabulary in the next column on (the embedded pair has',
    '4096 tokens; Qwen2.5 151936, Gemma 3 262144). Peak JS heap is',
    'V8\'s used heap in Node and `performance.memory.usedJSHeapSize` in Chromium, sampled every token;',
    'GPU buffers are every live `GPUBuffer` (ORT\'s and ours: weights, KV cache, logits, kernels).',
    '',
  );
  if (r.skipped.length) parts.push('Skipped (failed):', '', ...r.skipped.map((s) => `- ${s}`), '');
  return parts.join('\n');
}

export async function runE2eFromArgs(f: Record<string, string>) {
  const quick = flagBool(f, 'quick');
  return runE2e({
    backends: f.backends ? (f.backends.split(',') as BenchBackend[]) : quick ? ['cpu'] : undefined,
    strategies: f.strategies ? (f.strategies.split(',') as StrategyId[]) : undefined,
    tokens: flagNum(f, 'tokens', quick ? 6 : 48),
    browserTokens: flagNum(f, 'browser-tokens', quick ? 4 : 24),
    webgpuTokens: flagNum(f, 'webgpu-tokens', quick ? 2 : 8),
    reps: flagNum(f, 'reps', quick ? 1 : 2),
    deadlineMs: flagNum(f, 'deadline-ms', 20_000),
    outDir: f.out,
  });
}
