/**
 * Memory suite: live GPU buffer bytes and buffer count sampled every 25 tokens over a long
 * WebGPU run in Chromium (the app's path: ORT on WebGPU, WGSL kernels reading the logits in
 * place), against the KV cache's own growth. Any growth beyond the KV cache is a leak.
 *
 *   npm run bench -- memory [--tokens 480] [--every 25] [--strategy sample] [--quick] [--out DIR]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_MODEL } from '../src/engine/config/index.ts';
import { DEFAULT_OUT, REPO, envelope, flagBool, flagNum, mdHeader, writeResults, type Envelope, type Written } from './lib/common.ts';
import { fmtBytes, mdTable } from './lib/stats.ts';
import { checked, q, target } from './lib/targets.ts';

export interface MemorySample {
  token: number;
  gpuBytes: number;
  gpuBuffers: number;
  heap: number;
  /** KV cache bytes the context at this token needs (prompt + token), from the model config. */
  kvBytes: number;
}

export interface MemoryReport {
  strategy: string;
  prompt: string;
  tokens: number;
  reason: string;
  kvBytesPerToken: number;
  samples: MemorySample[];
  /** Last sample minus the first: GPU bytes, of which KV cache, and the rest (should be ~0). */
  growth: { gpuBytes: number; kvBytes: number; beyondKv: number; buffers: number; heap: number };
  /** The last stretch of samples with constant GPU bytes and buffer count (no per-token growth there). */
  plateau: { fromToken: number; toToken: number };
  /** Samples where the GPU bytes changed: (token, bytes added). */
  steps: { token: number; bytes: number; buffers: number }[];
  tokensPerSecond: number;
}

/** Where the live GPU bytes stepped up, and the last flat stretch. */
export function gpuSteps(samples: MemorySample[]): Pick<MemoryReport, 'plateau' | 'steps'> {
  const steps: MemoryReport['steps'] = [];
  for (let i = 1; i < samples.length; i++) {
    const d = samples[i].gpuBytes - samples[i - 1].gpuBytes;
    const b = samples[i].gpuBuffers - samples[i - 1].gpuBuffers;
    if (d !== 0 || b !== 0) steps.push({ token: samples[i].token, bytes: d, buffers: b });
  }
  let from = samples.length - 1;
  while (from > 0 && samples[from - 1].gpuBytes === samples[from].gpuBytes && samples[from - 1].gpuBuffers === samples[from].gpuBuffers) from--;
  return { plateau: { fromToken: samples[from]?.token ?? 0, toToken: samples[samples.length - 1]?.token ?? 0 }, steps };
}

/** K and V, every layer, fp32: 2 x layers x kv heads x head dim x 4 bytes per context token. */
export function kvBytesPerToken(model = DEFAULT_MODEL): number {
  const c = JSON.parse(readFileSync(resolve(REPO, 'public/models', model, 'config.json'), 'utf8')) as Record<string, number>;
  const heads = c.num_key_value_heads ?? c.num_attention_heads;
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  return 2 * c.num_hidden_layers * heads * headDim * 4;
}

export function memoryReport(strategy: string, prompt: string, promptTokens: number, run: { reason: string; stats: { tokensEmitted: number; tokensPerSecond: number }; samples: { token: number; gpuBytes?: number; gpuBuffers?: number; heap: number }[] }, perToken: number): MemoryReport {
  const samples: MemorySample[] = run.samples.map((s) => ({
    token: s.token,
    gpuBytes: s.gpuBytes ?? 0,
    gpuBuffers: s.gpuBuffers ?? 0,
    heap: s.heap,
    kvBytes: (promptTokens + s.token) * perToken,
  }));
  const a = samples[0];
  const z = samples[samples.length - 1];
  const kv = z && a ? z.kvBytes - a.kvBytes : 0;
  const gpu = z && a ? z.gpuBytes - a.gpuBytes : 0;
  return {
    strategy,
    prompt,
    tokens: run.stats.tokensEmitted,
    reason: run.reason,
    kvBytesPerToken: perToken,
    samples,
    growth: { gpuBytes: gpu, kvBytes: kv, beyondKv: gpu - kv, buffers: z && a ? z.gpuBuffers - a.gpuBuffers : 0, heap: z && a ? z.heap - a.heap : 0 },
    ...gpuSteps(samples),
    tokensPerSecond: run.stats.tokensPerSecond,
  };
}

export async function runMemory(opts: { tokens?: number; every?: number; strategy?: string; outDir?: string } = {}): Promise<MemoryReport & { files: Written }> {
  const tokens = opts.tokens ?? 480;
  const every = opts.every ?? 25;
  const strategy = opts.strategy ?? 'sample';
  const prompt = 'Once';
  const env: Envelope = envelope('memory', { tokens, every, strategy });
  const t = await target('webgpu');
  env.browser = t.browser!.info;
  // Only this run's models on the GPU: drop what earlier suites loaded in the shared page.
  await t.browser!.call('reset');
  checked(await t.run(q({ strategy, max_new_tokens: 2, prompt })), 'warm-up');
  const run = checked(await t.run(q({ strategy, max_new_tokens: tokens, seed: 9, temperature: 0.8, prompt }), every), 'memory run');
  const promptTokens = run.stats.promptTokens;
  const report = memoryReport(strategy, prompt, promptTokens, run, kvBytesPerToken());
  process.stdout.write(`memory: ${report.tokens} tokens, GPU +${fmtBytes(report.growth.gpuBytes)} (KV cache +${fmtBytes(report.growth.kvBytes)}), buffers +${report.growth.buffers}\n`);
  const files = writeResults(opts.outDir ?? DEFAULT_OUT, env, report, memoryMarkdown(env, report));
  return { ...report, files };
}

export function memoryMarkdown(env: Envelope, r: MemoryReport): string {
  const a = r.samples[0];
  return [
    mdHeader('Memory: live GPU buffers over a long WebGPU run', env, [
      `- ${r.strategy}, prompt "${r.prompt}", ${r.tokens} tokens (${r.reason}), ORT WebGPU + WGSL kernels, ${r.tokensPerSecond.toFixed(2)} tok/s; every live \`GPUBuffer\` counted (ORT's and ours) by wrapping createBuffer/destroy`,
      `- KV cache: ${fmtBytes(r.kvBytesPerToken)} per context token (fp32 K and V, every layer)`,
    ]),
    `**Growth from token ${a?.token ?? 0} to ${r.samples[r.samples.length - 1]?.token ?? 0}: GPU ${fmtBytes(r.growth.gpuBytes)}, of which the KV cache needs ${fmtBytes(r.growth.kvBytes)} → ${fmtBytes(r.growth.beyondKv)} beyond the KV cache; live buffers ${r.growth.buffers >= 0 ? '+' : ''}${r.growth.buffers}; JS heap ${fmtBytes(r.growth.heap)}.**`,
    '',
    `Growth happens in ${r.steps.length} step${r.steps.length === 1 ? '' : 's'} (${r.steps.map((x) => `token ${x.token}: +${fmtBytes(x.bytes)}, ${x.buffers >= 0 ? '+' : ''}${x.buffers} buffers`).join('; ') || 'none'}); from token ${r.plateau.fromToken} to ${r.plateau.toToken} (${r.plateau.toToken - r.plateau.fromToken} tokens) live bytes and buffer count stay exactly flat.`,
    'Step sizes that double (ORT sizes GPU buffers in buckets and keeps released ones in its reuse cache, which the',
    'count includes) and flat stretches between them mean the KV cache outgrowing its bucket, not a per-token leak;',
    'a leak would add bytes or buffers at every sample.',
    '',
    mdTable(
      ['token', 'live GPU bytes', 'live buffers', 'Δ GPU since first sample', 'Δ KV cache (expected)', 'JS heap'],
      r.samples.map((s) => [s.token, fmtBytes(s.gpuBytes), s.gpuBuffers, fmtBytes(s.gpuBytes - (a?.gpuBytes ?? 0)), fmtBytes(s.kvBytes - (a?.kvBytes ?? 0)), fmtBytes(s.heap)]),
    ),
    '',
    'ORT allocates GPU buffers in size buckets, so the KV cache grows in steps rather than per token;',
    'a flat buffer count with bytes tracking the KV line means nothing leaks per token.',
    '',
  ].join('\n');
}

export async function runMemoryFromArgs(f: Record<string, string>) {
  const quick = flagBool(f, 'quick');
  return runMemory({ tokens: flagNum(f, 'tokens', quick ? 4 : 480), every: flagNum(f, 'every', quick ? 2 : 25), strategy: f.strategy, outDir: f.out });
}
