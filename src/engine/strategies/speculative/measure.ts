/**
 * Side-by-side measurement of the speculative strategies on the embedded pair (Node, CPU kernels):
 *   npx tsx src/engine/strategies/speculative/measure.ts [--tokens 64] [--runs 3] [--json out.json]
 * For each strategy at temperature 0 and 1: mean accepted drafts per verification step, tokens per
 * target forward, target / draft forwards per emitted token, wall time per token, and speedup over
 * plain decoding (greedy / sample) measured in the same process; at T = 0 also whether the text
 * equals greedy. Relaxed rows report the mean per-step drift (TV distance at the first drafted
 * position between the target and what the relaxed rule emits).
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_CONFIG, normalizeConfig, type DecodeConfig } from '../../config/index.ts';
import { createCpuKernels } from '../../kernels/cpu/index.ts';
import { generate } from '../../generate.ts';
import { configureModelSources, ModelRunner } from '../../model/runner.ts';
import { MODELS_DIR } from '../../node.ts';
import { collectTrace } from '../../trace/collect.ts';
import type { StrategyEvent } from '../../trace/types.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const TOKENS = Number(args.get('tokens') ?? 64);
const RUNS = Number(args.get('runs') ?? 3);
const PROMPTS = ['The old man', 'It was a cold morning in the city of', 'The committee said that the report would be'];
const STRATS: [string, Record<string, unknown>][] = [
  ['spec-chain', { strategy: 'spec-chain' }],
  ['spec-tree', { strategy: 'spec-tree' }],
  ['spec-rsd', { strategy: 'spec-rsd' }],
  ['spec-adaptive', { strategy: 'spec-adaptive' }],
  ['spec-adaptive tree', { strategy: 'spec-adaptive', adaptive_tree: true }],
  ['prompt-lookup', { strategy: 'prompt-lookup' }],
  ['recycling', { strategy: 'recycling' }],
  ['spec-chain relaxed k=5 d=0.2', { strategy: 'spec-chain', relaxed_acceptance: true }],
];

configureModelSources({ localModelPath: MODELS_DIR, allowRemoteModels: false });
const target = await ModelRunner.load({ model: 'playground/brown-target-v1', backend: 'cpu', dtype: 'fp32' });
const draft = await ModelRunner.load({ model: 'playground/brown-draft-v1', backend: 'cpu', dtype: 'fp32' });
const kernels = await createCpuKernels();

function cfg(over: Record<string, unknown>): DecodeConfig {
  return normalizeConfig({ ...DEFAULT_CONFIG, max_new_tokens: TOKENS, ...over }).config;
}

async function runOne(c: DecodeConfig) {
  const t = await collectTrace(generate(c, { target, draft, kernels }));
  if (t.end.reason === 'error') throw new Error(t.end.error);
  const spec = t.events.filter((e) => e.kind === 'spec') as StrategyEvent<'spec'>[];
  const drift = spec.reduce((a, e) => a + (e.data.relaxed?.drift ?? 0), 0);
  // Acceptance per draft position: accepted / reached, summed over steps.
  const reached: number[] = [];
  const acceptedAt: number[] = [];
  for (const e of spec) {
    (e.data.depths ?? []).forEach((d, i) => {
      reached[i] = (reached[i] ?? 0) + (d.reached ? 1 : 0);
      acceptedAt[i] = (acceptedAt[i] ?? 0) + (d.accepted ? 1 : 0);
    });
  }
  return { text: t.end.text, stats: t.end.stats, steps: spec.length, accepted: spec.reduce((a, e) => a + e.data.accepted, 0), drift, reached, acceptedAt };
}

const rows: Record<string, unknown>[] = [];
for (const temperature of [0, 1]) {
  const base = { strategy: temperature === 0 ? 'greedy' : 'sample', temperature };
  let baseMs = 0;
  let baseTok = 0;
  const greedyText: string[] = [];
  for (const prompt of PROMPTS) {
    for (let r = 0; r < RUNS; r++) {
      const o = await runOne(cfg({ ...base, prompt, seed: 100 + r }));
      baseMs += o.stats.wallMs;
      baseTok += o.stats.tokensEmitted;
      if (r === 0) greedyText.push(o.text);
    }
  }
  const baseMsPerTok = baseMs / baseTok;
  rows.push({ strategy: base.strategy, temperature, msPerToken: +baseMsPerTok.toFixed(2), targetForwardsPerToken: 1 });
  for (const [strategy, over] of STRATS) {
    let ms = 0, tok = 0, tf = 0, df = 0, steps = 0, acc = 0, same = 0, drift = 0;
    const reached: number[] = [];
    const acceptedAt: number[] = [];
    for (const [pi, prompt] of PROMPTS.entries()) {
      for (let r = 0; r < RUNS; r++) {
        const o = await runOne(cfg({ ...over, temperature, prompt, seed: 100 + r }));
        drift += o.drift;
        o.reached.forEach((v, i) => (reached[i] = (reached[i] ?? 0) + v));
        o.acceptedAt.forEach((v, i) => (acceptedAt[i] = (acceptedAt[i] ?? 0) + v));
        ms += o.stats.wallMs;
        tok += o.stats.tokensEmitted;
        tf += o.stats.targetForwards;
        df += o.stats.draftForwards;
        steps += o.steps;
        acc += o.accepted;
        if (temperature === 0 && r === 0 && o.text === greedyText[pi]) same++;
      }
    }
    rows.push({
      strategy,
      temperature,
      meanAccepted: +(acc / steps).toFixed(3),
      tokensPerStep: +(tok / steps).toFixed(3),
      targetForwardsPerToken: +(tf / tok).toFixed(3),
      draftForwardsPerToken: +(df / tok).toFixed(3),
      msPerToken: +(ms / tok).toFixed(2),
      speedup: +(baseMsPerTok / (ms / tok)).toFixed(2),
      ...(temperature === 0 ? { equalsGreedy: `${same}/${PROMPTS.length}` } : {}),
      ...(over.relaxed_acceptance && temperature > 0 ? { meanDriftTV: +(drift / steps).toFixed(4) } : {}),
      acceptByPosition: reached.map((r, i) => (r ? (acceptedAt[i] / r).toFixed(2) : '-')).join(' '),
    });
  }
}
console.table(rows);
if (args.get('json')) writeFileSync(args.get('json')!, JSON.stringify({ tokens: TOKENS, runs: RUNS, prompts: PROMPTS, rows }, null, 1));
await target.dispose();
await draft.dispose();
