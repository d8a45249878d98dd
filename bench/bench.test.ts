/**
 * Smoke test of the benchmark suites (Node side, tiny sizes, a temp folder): each suite runs and
 * writes Markdown + JSON with the run's environment; the browser suites' formatting is checked on
 * sample data; the payoff model and the chart are checked on known inputs. Timings are not
 * asserted (they live in the benchmark results).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drawChart, panelsFrom, runChart } from './chart.ts';
import { e2eMarkdown, onePercentVocab, runE2e } from './e2e.ts';
import { runKernelBench } from './kernels.ts';
import { envelope, latestFiles } from './lib/common.ts';
import { mdTable, median, predictSpeedup, summarizeSpec } from './lib/stats.ts';
import { closeNodeSession } from './lib/targets.ts';
import { kvBytesPerToken, memoryMarkdown, memoryReport } from './memory.ts';
import { runPeerSuite } from './peer.ts';
import { runScaling, slope } from './scaling.ts';
import { runSpeculative } from './speculative.ts';
import type { StrategyEvent } from '../src/engine/trace/types.ts';

const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(async () => {
  await closeNodeSession();
  rmSync(out, { recursive: true, force: true });
});

function readBoth(files: { md: string; json: string }) {
  expect(existsSync(files.md)).toBe(true);
  const json = JSON.parse(readFileSync(files.json, 'utf8')) as Record<string, unknown> & { machine: { cores: number }; versions: Record<string, string>; models: unknown[] };
  expect(json.machine.cores).toBeGreaterThan(0);
  expect(json.versions['@huggingface/transformers']).toMatch(/^\d+\.\d+/);
  expect(json.models).toHaveLength(2);
  const md = readFileSync(files.md, 'utf8');
  expect(md).toContain('absolute times are noise');
  expect(md).toMatch(/\|---/);
  return { json, md };
}

describe('bench suites (tiny runs on the Node CPU backend)', () => {
  it('e2e writes one row per strategy with forwards per token and heap figures', async () => {
    const r = await runE2e({ backends: ['cpu'], strategies: ['greedy', 'sample', 'spec-chain'], tokens: 3, reps: 1, outDir: out });
    const { md } = readBoth(r.files);
    expect(r.rows.map((x) => x.strategy)).toEqual(['greedy', 'sample', 'spec-chain']);
    for (const row of r.rows) {
      expect(row.tokens).toBeGreaterThan(0);
      expect(row.tokensPerSecond).toBeGreaterThan(0);
      expect(row.targetForwardsPerToken).toBeGreaterThan(0);
      expect(row.heapPeakBytes).toBeGreaterThan(0);
    }
    expect(r.rows[0].vsGreedy).toBe(1);
    expect(r.rows[2].draftForwardsPerToken).toBeGreaterThan(0);
    expect(md).toContain('| spec-chain |');
  });

  it('peer compares our loop with transformers.js generate() on the same token count', async () => {
    const r = await runPeerSuite({ backends: ['cpu'], tokens: 3, reps: 1, outDir: out });
    readBoth(r.files);
    expect(r.rows.map((x) => `${x.ours}/${x.theirs}`)).toEqual(['greedy/greedy', 'sample/sample', 'spec-chain/sample']);
    const greedy = r.rows[0];
    expect(greedy.sameTokens).toBe(true);
    expect(greedy.ratio).toBeGreaterThan(0);
    expect(greedy.oursOrt).toBeGreaterThan(0);
    expect(greedy.theirsOrtCallsPerToken).toBeGreaterThan(0);
  });

  it('speculative reports measured and predicted speedups', async () => {
    const r = await runSpeculative({ tokens: 4, reps: 1, temperatures: [0], prompts: ['natural'], variants: ['spec-chain', 'prompt-lookup'], outDir: out });
    readBoth(r.files);
    expect(r.rows.map((x) => x.strategy)).toEqual(['spec-chain', 'prompt-lookup']);
    for (const row of r.rows) {
      expect(row.baseline).toBe('greedy');
      expect(row.speedup).toBeGreaterThan(0);
      expect(Number.isFinite(row.predicted)).toBe(true);
      // kernels only add cost to every pass, and more to a speculative run's many rows than to plain's one
      expect(Number.isFinite(row.predictedWithKernels)).toBe(true);
      expect(row.loopEfficiency).toBeGreaterThan(0);
      expect(row.passes.targetWithKernels).toBeGreaterThan(row.passes.target);
    }
    expect(r.forward['cpu/natural'].target1).toBeGreaterThan(0);
  });

  it('scaling reports per-token cost at each context and a slope', async () => {
    const r = await runScaling({ backends: ['cpu'], contexts: [16, 48], tokens: 3, reps: 1, outDir: out });
    readBoth(r.files);
    expect(r.rows.map((x) => x.context)).toEqual([16, 48]);
    expect(r.rows.every((x) => x.forwardMs > 0 && x.loopMsPerToken > 0)).toBe(true);
    expect(Number.isFinite(r.slopes.cpu.loop)).toBe(true);
  });

  it('kernels (CPU only) reports each cell as a multiple of one reference pass', async () => {
    const r = await runKernelBench({ backends: ['cpu'], vocabs: [4096], batches: [1, 2], configs: ['greedy', 'sampling'], reps: 1, cpuMinMs: 0, outDir: join(out, 'kernels'), print: false });
    expect(r.cells.map((c) => `${c.config}/${c.batch}`)).toEqual(['greedy/1', 'greedy/2', 'sampling/1', 'sampling/2']);
    for (const c of r.cells) {
      expect(c.referenceMs).toBeGreaterThan(0);
      expect(c.cpuVsReference).toBeCloseTo(c.cpuBestMs / c.batch / c.referenceBestMs, 10);
      expect(c.cpuBestMs).toBeLessThanOrEqual(c.cpuMs);
      expect(c.webgpuMs).toBeNull();
    }
    const json = JSON.parse(readFileSync(r.files.json, 'utf8')) as { adapter: unknown; configs: Record<string, unknown> };
    expect(json.adapter).toBeNull();
    expect(Object.keys(json.configs)).toEqual(['greedy', 'sampling']);
    const md = readFileSync(r.files.md, 'utf8');
    expect(md).toContain('| CPU / ref (per row, best of reps) |');
    expect(md).toContain('| sampling | 4096 | 2 | — |');
  });

  it('the chart and the index read the JSON the suites wrote', async () => {
    const c = await runChart({ outDir: out });
    expect(c.panels).toBe(3);
    const svg = readFileSync(c.file, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('ours / theirs');
    const index = readFileSync(join(out, 'latest.md'), 'utf8');
    for (const s of ['e2e', 'peer', 'speculative', 'scaling']) expect(index).toContain(`**${s}**`);
    expect(index).toContain('chart.svg');
    expect(Object.keys(latestFiles(out)).sort()).toEqual(['e2e', 'peer', 'scaling', 'speculative']);
  });
});

describe('formatting and models on sample data', () => {
  it('memory: growth beyond the KV cache from samples', () => {
    const per = kvBytesPerToken();
    expect(per).toBeGreaterThan(0);
    const samples = [0, 25, 50].map((t) => ({ token: t, gpuBytes: 1_000_000 + t * per, gpuBuffers: 40, heap: 5e6 }));
    const r = memoryReport('sample', 'Once', 1, { reason: 'max_tokens', stats: { tokensEmitted: 50, tokensPerSecond: 2 }, samples }, per);
    expect(r.growth.kvBytes).toBe(50 * per);
    expect(r.growth.beyondKv).toBe(0);
    expect(r.growth.buffers).toBe(0);
    expect(r.steps).toHaveLength(2);
    expect(r.plateau).toEqual({ fromToken: 50, toToken: 50 });
    const flat = memoryReport('sample', 'Once', 1, { reason: 'max_tokens', stats: { tokensEmitted: 75, tokensPerSecond: 2 }, samples: [...samples, { token: 75, gpuBytes: samples[2].gpuBytes, gpuBuffers: 40, heap: 5e6 }] }, per);
    expect(flat.plateau).toEqual({ fromToken: 50, toToken: 75 });
    expect(flat.steps.map((x) => x.token)).toEqual([25, 50]);
    const md = memoryMarkdown({ ...envelope('memory', {}), browser: { version: '1', userAgent: 'x', adapter: 'google swiftshader', crossOriginIsolated: true } }, r);
    expect(md).toContain('software rendering on the CPU');
    expect(md).toContain('beyond the KV cache');
    expect(md.match(/^\| \d+ \|/gm)).toHaveLength(3);
  });

  it('e2e markdown lists the browser rows under their backends', () => {
    const row = { kernels: 'webgpu', strategy: 'greedy' as const, tokens: 8, reason: 'max_tokens', reps: 1, tokensPerSecond: 1.5, firstTokenMs: 900, wallMs: 5000, vsGreedy: 1, targetForwardsPerToken: 1, draftForwardsPerToken: 0, bytesReadBackPerToken: 320, ortShare: 0.4, heapPeakBytes: 3e7, heapGrowthBytes: 1e5, gpuPeakBytes: 2.3e7, gpuPeakBuffers: 60 };
    const md = e2eMarkdown(envelope('e2e', {}), { prompt: 'p', rows: [{ ...row, backend: 'webgpu' }, { ...row, backend: 'wasm', kernels: 'cpu' }], skipped: ['webgpu beam: boom'] });
    expect(md).toContain('## webgpu');
    expect(md).toContain('## wasm');
    expect(md).toContain('320 B');
    expect(md).toContain('| 8001 |'); // 320 B is under 1% of a row (V x 4 bytes) from V = 8001 on
    expect(onePercentVocab(320)).toBe(8001);
    expect(320 < 0.01 * 8001 * 4 && 320 >= 0.01 * 8000 * 4).toBe(true);
    expect(md).toContain('in 60');
    expect(md).toContain('webgpu beam: boom');
  });

  it('payoff model: a perfect free draft of K gives K+1, a useless one pays its cost, kernels priced per pass', () => {
    const timing = (targetModelMs: number, draftModelMs: number, kernelsMs: number, draftKernelsMs: number) => ({
      modelMs: targetModelMs + draftModelMs,
      kernelsMs,
      otherMs: 0,
      targetModelMs,
      draftModelMs,
      draftKernelsMs,
    });
    // plain: 50 tokens, 50 passes of 10 ms, 2 ms of kernels each
    const plain = { tokensEmitted: 50, targetForwards: 50, draftForwards: 0, wallMs: 600, timing: timing(500, 0, 100, 0) };
    // a free drafter accepting 4 of 4: 10 passes give 50 tokens
    const perfect = { tokensEmitted: 50, targetForwards: 10, draftForwards: 0, wallMs: 120, timing: timing(100, 0, 20, 0) };
    expect(predictSpeedup(perfect, plain, false)).toBeCloseTo(5);
    // a useless draft: 50 target passes and 200 draft passes of 2.5 ms: half the speed of plain
    const bad = { tokensEmitted: 50, targetForwards: 50, draftForwards: 200, wallMs: 1000, timing: timing(500, 500, 100, 0) };
    expect(predictSpeedup(bad, plain, false)).toBeCloseTo(0.5);
    // its 200 draft rows cost 1 ms of kernels each: (500 + 100) / (500 + 100 + 500 + 200)
    const badK = { ...bad, timing: timing(500, 500, 300, 200) };
    expect(predictSpeedup(badK, plain, true)).toBeCloseTo(600 / 1300);
    expect(predictSpeedup(badK, plain, false)).toBeCloseTo(0.5);
  });

  it('summarizeSpec: accepted length, acceptance by depth and the verify shape of a tree', () => {
    const node = (id: number, parent: number, depth: number, status: 'accepted' | 'rejected' | 'unverified') => ({ id, parent, depth, token: id, text: '', q: 0.5, p: 0.5, status });
    const ev = (accepted: number, nodes: ReturnType<typeof node>[], depths: { drafted: number; reached: boolean; accepted: boolean }[]) =>
      ({ type: 'strategy', kind: 'spec', position: 0, data: { method: 'tree', nodes, accepted, next: { id: 1, text: '', kind: 'bonus' }, targetForwards: 1, draftForwards: 2, depths } }) as unknown as StrategyEvent;
    const tree = [node(1, -1, 1, 'accepted'), node(2, -1, 1, 'rejected'), node(3, 1, 2, 'accepted'), node(4, 2, 2, 'unverified')];
    const s = summarizeSpec([
      ev(2, tree, [{ drafted: 2, reached: true, accepted: true }, { drafted: 2, reached: true, accepted: true }]),
      ev(0, tree, [{ drafted: 2, reached: true, accepted: false }, { drafted: 2, reached: false, accepted: false }]),
    ])!;
    expect(s.steps).toBe(2);
    expect(s.meanAccepted).toBe(1);
    expect(s.acceptanceByDepth).toEqual([0.5, 1]);
    expect(s.verifyRows).toBe(2);
    expect(s.verifyTokens).toBe(3);
    expect(summarizeSpec([])).toBeUndefined();
  });

  it('helpers: median, slope, tables, chart panels', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(slope([1, 2, 3], [2, 4, 6])).toBeCloseTo(2);
    expect(mdTable(['a', 'b'], [[1, 'x|y']])).toBe('| a | b |\n|---|---:|\n| 1 | x\\|y |');
    const svg = drawChart(panelsFrom({}), 'empty');
    expect(svg).toContain('</svg>');
  });
});
