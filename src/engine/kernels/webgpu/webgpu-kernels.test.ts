/**
 * WGSL kernels in Node through Dawn (SwiftShader Vulkan ICD, set up by node-device.ts) against the
 * golden file and the CPU reference. No GPU adapter = the suite fails with the reason; it never skips.
 */
import { describe, expect, it } from 'vitest';
import { cpu, gpu, nd, requireNodeDevice, useDawnKernels } from '../../../../tests/support/dawn.ts';
import { compare, expectStatsClose, expectTopClose, maxAbs, type RowSpec } from '../../../../tests/support/kernel-compare.ts';
import { loadGoldenFile, packF16, prng, randomLogits } from '../../../../tests/support/kernels.ts';
import { runGolden } from '../cpu/golden.ts';
import type { GpuLogits, Kernels, ProcessorConfig } from '../types.ts';
import { WebGpuKernelsError } from './errors.ts';
import { WebGpuKernels } from './webgpu-kernels.ts';
import { Pipelines, pipelinesFor } from './pipelines.ts';
import { loadShaderSources } from './shader-source.ts';
import { shaderSourceOrigin } from './shader-source.ts';

useDawnKernels();

const CONFIGS: ProcessorConfig[] = [
  {},
  { temperature: 0.7 },
  { temperature: 1.3, top_k: 40, top_p: 0.9 },
  { repetition_penalty: 1.3, temperature: 0.8, top_p: 0.95, min_p: 0.05 },
  { typical_p: 0.9, epsilon_cutoff: 0.0003 },
  { temperature: 1.5, eta_cutoff: 0.001, min_p: 0.02 },
  { temperature: 1, dynatemp_range: 0.5, dynatemp_exponent: 1.5, top_k: 100 },
  { repetition_penalty: 1.2, temperature: 0.8, top_k: 50, top_p: 0.9, min_p: 0.05, typical_p: 0.95, epsilon_cutoff: 0.0003, eta_cutoff: 0.0003 },
];

describe('shader loading', () => {
  it('comes from the Vite glob (?raw) under Vitest, as in the browser bundle', async () => {
    expect(await shaderSourceOrigin()).toBe('vite');
  });
});

describe('golden vectors on WebGPU', () => {
  it('every processor and speculative case matches (probs 1e-5, kept and accepted exact)', async () => {
    const file = loadGoldenFile();
    const report = await runGolden(gpu, file);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(file.processors.length + file.spec_chain.length);
    expect(report.cases).toBeGreaterThanOrEqual(80);
  });
});

describe('both workgroup configurations', () => {
  // SwiftShader gets 64 invocations per row; GPUs get 256. Node only has SwiftShader, so the GPU
  // configuration is forced here to keep its reductions and selects tested too.
  it('256 invocations per row (the GPU configuration): golden file and a full-chain parity run', async () => {
    const pipes = new Pipelines(nd.device, await loadShaderSources(), { WG: 256, RG: 16 });
    expect(pipes.workgroup.WG).toBe(256);
    expect((await pipelinesFor(nd.device)).workgroup.WG).toBe(64); // what SwiftShader gets by default
    const k256 = new WebGpuKernels(nd.device, pipes);
    const file = loadGoldenFile();
    const report = await runGolden(k256, file);
    expect(report.failures).toEqual([]);
    for (const V of [257, 50257]) {
      const data = randomLogits(V, V + 3);
      for (const [ci, config] of [CONFIGS[3], CONFIGS[4], CONFIGS[7]].entries()) {
        await compare(data, 1, V, [{ config, contextIds: [1, 2, 2, 7], seed: 3 + ci }], `WG256 V=${V} config ${ci}`, 64, k256);
      }
    }
    k256.destroy();
  });
});

describe('WGSL vs the CPU reference', () => {
  for (const V of [2, 3, 257, 4099, 50257]) {
    it(`vocab ${V}: every processor chain, sampled and greedy tokens`, async () => {
      const data = randomLogits(V, V * 7 + 1);
      for (const [ci, config] of CONFIGS.entries()) {
        const ctx = Array.from({ length: 12 }, (_, j) => (j * 7919) % V).concat([0, 0, V + 5]);
        await compare(data, 1, V, [{ config, contextIds: ctx, seed: 11 + ci, step: ci }], `V=${V} config ${ci}`);
        await compare(data, 1, V, [{ config, contextIds: ctx, choose: 'greedy' }], `V=${V} config ${ci} greedy`);
      }
    });
  }

  it('vocab 262144 (largest supported): full chain, raw stats, token', async () => {
    const V = 262144;
    const data = randomLogits(V, 99, 4);
    await compare(data, 1, V, [{ config: CONFIGS[7], contextIds: [1, 2, 3, 262143], seed: 5 }], 'V=262144 full', 64);
    await compare(data, 1, V, [{ config: { temperature: 0.9, top_p: 0.5 }, seed: 6 }], 'V=262144 top_p');
  });

  it('batched rows with different configs, seeds and choose modes', async () => {
    const V = 4099;
    const rows = 7;
    const data = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) data.set(randomLogits(V, 500 + r), r * V);
    const specs: RowSpec[] = [
      { config: CONFIGS[2], seed: 1, step: 4 },
      { config: CONFIGS[3], contextIds: [5, 6, 7], seed: 2, step: 4, sub: 3 },
      { config: { temperature: 0 }, seed: 3 },
      { config: CONFIGS[4], choose: 'none' },
      { config: CONFIGS[7], contextIds: [1, 1, 2], choose: 'greedy' },
      // 'force' describes a given token: one kept by the processors, one they removed.
      { config: CONFIGS[2], choose: 'force', forceToken: 4098 },
      { config: { top_k: 1 }, choose: 'force', forceToken: 17 },
    ];
    await compare(data, rows, V, specs, 'batch');
  });

  it('sampled tokens are identical to the CPU for 200 seeds (Gumbel-max, shared RNG)', async () => {
    const V = 1000;
    const data = randomLogits(V, 4242, 1.5);
    const rows = 20;
    const batch = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) batch.set(data, r * V);
    for (let s = 0; s < 10; s++) {
      const specs: RowSpec[] = Array.from({ length: rows }, (_, r) => ({ config: { temperature: 0.9, top_p: 0.95 }, seed: 1000 + s * rows + r, step: s }));
      const l1 = await gpu.createLogits(batch, rows, V);
      const l2 = await cpu.createLogits(batch, rows, V);
      const req = { rows: specs.map((x) => ({ config: x.config, seed: x.seed!, step: x.step!, choose: 'sample' as const })) };
      const g = await gpu.step(l1, req);
      const c = await cpu.step(l2, req);
      expect(g.rows.map((r) => r.choice!.token)).toEqual(c.rows.map((r) => r.choice!.token));
      gpu.dispose(l1);
    }
  });
});

describe('robustness', () => {
  const cases: [string, number[], ProcessorConfig][] = [
    ['NaN and -inf logits', [NaN, 1, -Infinity, 2, NaN, 0.5, -Infinity], { temperature: 0.8, top_p: 0.9 }],
    ['+inf logits: the limit distribution', [1, Infinity, 3, Infinity, -Infinity, NaN], {}],
    ['all -inf: uniform, degenerate', [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity], { top_k: 2 }],
    ['all NaN: uniform, degenerate', [NaN, NaN, NaN], {}],
    ['huge magnitudes', [1e30, -1e30, 3e38, -3e38, 1e10, 0], { temperature: 0.5 }],
    ['all-equal logits', Array.from({ length: 300 }, () => 1.25), { top_k: 7, top_p: 0.5 }],
    ['all-equal logits, top_p 0', Array.from({ length: 300 }, () => -2), { top_p: 0 }],
    ['temperature near 0', [1, 1.0000001, 0.5, 2, 1.9999], { temperature: 1e-6 }],
    ['temperature 0 (greedy)', [1, 3, 3, 2, 0], { temperature: 0, top_k: 3 }],
    ['top_p 0 keeps the top token', [0.1, 0.5, 0.2, 0.5, 0.4], { top_p: 0 }],
    ['top_p 1 (off) and top_k > vocab', [0.1, 0.5, 0.2, 0.3, 0.4], { top_p: 1, top_k: 1000 }],
    ['min_p 1 and typical_p 0', [0.1, 0.5, 0.2, 0.5, 0.4, -3], { min_p: 1, typical_p: 0 }],
    ['vocab 2', [0.3, -0.2], { temperature: 2, top_k: 1 }],
    ['vocab 1', [0.5], { temperature: 0.7, top_k: 3, top_p: 0.5, typical_p: 0.5, eta_cutoff: 0.1 }],
  ];
  for (const [name, values, config] of cases) {
    it(name, async () => {
      const data = Float32Array.from(values);
      for (const choose of ['sample', 'greedy'] as const) {
        const g = await compare(data, 1, data.length, [{ config, choose, seed: 9 }], name);
        const p = g.probs[0];
        expect(p.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(p[g.rows[0].choice!.token]).toBeGreaterThan(0);
      }
    });
  }

  it('f16 logits read as packed u32 match the CPU on the same rounded values', async () => {
    const V = 4099;
    const rows = 2;
    const src = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) src.set(randomLogits(V, 77 + r), r * V);
    src[3] = NaN;
    src[V + 10] = -Infinity;
    const { packed, rounded } = packF16(src);
    const buffer = nd.device.createBuffer({ size: packed.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    nd.device.queue.writeBuffer(buffer, 0, packed);
    const logits: GpuLogits = { kind: 'gpu', rows, vocab: V, buffer, dtype: 'float16' };
    const specs = [
      { config: CONFIGS[3], contextIds: [1, 2], choose: 'sample' as const, seed: 3, step: 1 },
      { config: CONFIGS[2], choose: 'sample' as const, seed: 4, step: 1 },
    ];
    const g = await gpu.step(logits, { rows: specs, keepProcessed: true });
    const cl = await cpu.createLogits(rounded, rows, V);
    const c = await cpu.step(cl, { rows: specs, keepProcessed: true });
    for (let r = 0; r < rows; r++) {
      expect(g.rows[r].choice!.token).toBe(c.rows[r].choice!.token);
      expectStatsClose(g.rows[r], c.rows[r], `f16 row ${r}`);
      const gp = await gpu.readProbs({ probs: g.processed!, row: r });
      const cp = await cpu.readProbs({ probs: c.processed!, row: r });
      expect(maxAbs(gp, cp)).toBeLessThanOrEqual(1e-5);
    }
    gpu.dispose(g.processed!);
    buffer.destroy();
  });

  it('GPU logits at a byte offset (a row inside a larger buffer)', async () => {
    const V = 1001;
    const data = randomLogits(V, 5);
    const pad = 64; // elements before row 0
    const all = new Float32Array(pad + V);
    all.set(data, pad);
    const buffer = nd.device.createBuffer({ size: all.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    nd.device.queue.writeBuffer(buffer, 0, all);
    const spec = { config: CONFIGS[2], seed: 8, step: 2 };
    const g = await gpu.step({ kind: 'gpu', rows: 1, vocab: V, buffer, dtype: 'float32', byteOffset: pad * 4 }, { rows: [spec] });
    const c = await cpu.step(await cpu.createLogits(data, 1, V), { rows: [spec] });
    expect(g.rows[0].choice!.token).toBe(c.rows[0].choice!.token);
    expectStatsClose(g.rows[0], c.rows[0], 'offset');
    buffer.destroy();
  });

  it('bad arguments are RangeErrors, as on the CPU', async () => {
    const l = await gpu.createLogits(new Float32Array(10), 1, 10);
    await expect(gpu.step(l, { rows: [] })).rejects.toThrow(RangeError);
    await expect(gpu.step(l, { rows: [{ config: { top_p: 2 }, seed: 0, step: 0 }] })).rejects.toThrow(RangeError);
    await expect(gpu.step(l, { rows: [{ config: {}, seed: 0, step: 0 }], topK: 65 })).rejects.toThrow(RangeError);
    // The kernels still work after rejected calls.
    const ok = await gpu.step(l, { rows: [{ config: {}, seed: 0, step: 0 }] });
    expect(ok.rows[0].choice!.token).toBeGreaterThanOrEqual(0);
    gpu.dispose(l);
  });
});

describe('GPU errors', () => {
  it('a validation error (destroyed logits buffer) is a WebGpuKernelsError; the kernels keep working', async () => {
    const buffer = nd.device.createBuffer({ size: 400, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    buffer.destroy();
    const err = await gpu.step({ kind: 'gpu', rows: 1, vocab: 100, buffer, dtype: 'float32' }, { rows: [{ config: {}, seed: 0, step: 0 }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebGpuKernelsError);
    expect((err as WebGpuKernelsError).kind).toBe('validation');
    const l = await gpu.createLogits(randomLogits(100, 2), 1, 100);
    const ok = await gpu.step(l, { rows: [{ config: {}, seed: 0, step: 0 }] });
    expect(ok.rows[0].choice!.token).toBeGreaterThanOrEqual(0);
    gpu.dispose(l);
  });
});

describe('readback budget', () => {
  it('a 32k-vocab step reads back < 1% of the logits (header + top-k lists only)', async () => {
    const V = 32000;
    const l = await gpu.createLogits(randomLogits(V, 3), 1, V);
    const before = gpu.bytesReadBackTotal;
    const res = await gpu.step(l, { rows: [{ config: CONFIGS[2], seed: 1, step: 0 }], topK: 10 });
    expect(res.bytesReadBack).toBeGreaterThan(0);
    expect(res.bytesReadBack).toBeLessThan(0.01 * V * 4);
    expect(gpu.bytesReadBackTotal - before).toBe(res.bytesReadBack);
    gpu.dispose(l);
  });

  it('reads only the words it decodes: 17 header words, the stages\' slots, the lists (one when no stage ran)', async () => {
    const V = 4096;
    const rows = 3;
    const l = await gpu.createLogits(randomLogits(V * rows, 5), rows, V);
    const c = await cpu.createLogits(randomLogits(V * rows, 5), rows, V);
    for (const [config, stages] of [[{}, 0], [{ temperature: 0.8, top_k: 50 }, 2], [CONFIGS[7], 8]] as const) {
      const req = { rows: Array.from({ length: rows }, (_, r) => ({ config, contextIds: [1, 2, 3], seed: 4, step: r })), topK: 10 };
      const g = await gpu.step(l, req);
      const words = 17 + 2 * stages + (stages > 0 ? 40 : 20);
      expect(g.bytesReadBack, JSON.stringify(config)).toBe(rows * words * 4);
      // what was left out changes nothing: the same statistics and lists as the CPU kernels
      const want = await cpu.step(c, req);
      g.rows.forEach((row, r) => {
        expectStatsClose(row, want.rows[r], `${JSON.stringify(config)} row ${r}`);
        expect(row.choice!.token).toBe(want.rows[r].choice!.token);
        expect(row.stages).toHaveLength(stages);
      });
    }
    // greedy at 4096 tokens: 148 bytes, under 1% of a logits row (164 bytes)
    expect(17 + 20).toBeLessThan((0.01 * V * 4) / 4);
    gpu.dispose(l);
    cpu.dispose(c);
  });
});

describe('speculative chain verification vs the CPU', () => {
  async function chain(k: Kernels, target: Float32Array, draft: Float32Array, K: number, V: number, drafts: number[], seed: number, config: ProcessorConfig, greedy = false) {
    const t = await k.createLogits(target, K + 1, V);
    const d = await k.createLogits(draft, K, V);
    const q = await k.step(d, { rows: Array.from({ length: K }, () => ({ config, choose: 'none' as const, seed: 0, step: 0 })), keepProcessed: true });
    const res = await k.verifyChain({
      target: t,
      q: drafts.map((_, i) => ({ probs: q.processed!, row: i })),
      draftTokens: drafts,
      config,
      contextIds: [3, 4],
      greedy,
      seed,
      step: 7,
      keepNext: true,
    });
    const next = await k.readProbs({ probs: res.next!, row: 0 });
    k.dispose(res.next!);
    k.dispose(q.processed!);
    k.dispose(t);
    k.dispose(d);
    return { res, next };
  }

  it('accepted counts, next tokens, residuals and target stats match over many seeds', async () => {
    const V = 3001;
    const K = 4;
    const r = prng(123);
    let sawReject = 0;
    let sawBonus = 0;
    for (let trial = 0; trial < 24; trial++) {
      const base = randomLogits(V, 1000 + trial, 2);
      const target = new Float32Array((K + 1) * V);
      const draft = new Float32Array(K * V);
      for (let i = 0; i <= K; i++) for (let j = 0; j < V; j++) target[i * V + j] = base[j] + (r() - 0.5) * 0.8;
      for (let i = 0; i < K; i++) for (let j = 0; j < V; j++) draft[i * V + j] = base[j] + (r() - 0.5) * 0.8;
      // Draft tokens: mostly high-probability ones so that chains get accepted sometimes.
      const order = Array.from(base.keys()).sort((a, b) => base[b] - base[a]);
      const drafts = Array.from({ length: K }, () => order[Math.floor(r() * 3)]);
      const config: ProcessorConfig = trial % 3 === 0 ? { temperature: 0.7, top_k: 20 } : trial % 3 === 1 ? { repetition_penalty: 1.2, presence_penalty: 0.5, dry_multiplier: 1, dry_allowed_length: 1 } : {};
      const greedy = trial % 8 === 7;
      const g = await chain(gpu, target, draft, K, V, drafts, 50 + trial, config, greedy);
      const c = await chain(cpu, target, draft, K, V, drafts, 50 + trial, config, greedy);
      const w = `trial ${trial}`;
      expect(g.res.accepted, `${w} accepted`).toBe(c.res.accepted);
      expect(g.res.nextToken, `${w} next`).toBe(c.res.nextToken);
      expect(g.res.nextKind, `${w} kind`).toBe(c.res.nextKind);
      expect(g.res.positions.map((p) => p.accepted), `${w} positions`).toEqual(c.res.positions.map((p) => p.accepted));
      g.res.positions.forEach((p, i) => {
        expect(Math.abs(p.p - c.res.positions[i].p)).toBeLessThan(1e-5);
        expect(Math.abs(p.q - c.res.positions[i].q)).toBeLessThan(1e-5);
        if (!greedy) expect(p.u).toBe(c.res.positions[i].u);
      });
      expect(maxAbs(g.next, c.next), `${w} next distribution`).toBeLessThanOrEqual(1e-5);
      expect(g.res.targetStats.length).toBe(c.res.targetStats.length);
      g.res.targetStats.forEach((s, i) => expectStatsClose(s, c.res.targetStats[i], `${w} target ${i}`));
      expect(!!g.res.residualTop).toBe(!!c.res.residualTop);
      if (g.res.residualTop && c.res.residualTop) expectTopClose(g.res.residualTop, c.res.residualTop, `${w} residualTop`);
      expect(g.res.bytesReadBack).toBeGreaterThan(0);
      if (c.res.nextKind === 'bonus') sawBonus++;
      else sawReject++;
    }
    expect(sawReject).toBeGreaterThan(0);
    expect(sawBonus).toBeGreaterThan(0);
  });
});

describe('device loss', () => {
  it('surfaces as WebGpuKernelsError(device-lost) so the engine can fall back to the CPU', async () => {
    const own = await requireNodeDevice();
    // Built directly (not through the factory) so only the three step pipelines compile.
    const k = new WebGpuKernels(own.device, await pipelinesFor(own.device));
    const data = randomLogits(100, 1);
    const l = await k.createLogits(data, 1, 100);
    const req = { rows: [{ config: { temperature: 0.9 }, seed: 4, step: 1 }] };
    const ok = await k.step(l, req);
    expect(ok.rows[0].choice).toBeDefined();
    own.device.destroy();
    await own.device.lost;
    const err = await k.step(l, { rows: [{ config: {}, seed: 0, step: 0 }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebGpuKernelsError);
    expect((err as WebGpuKernelsError).kind).toBe('device-lost');
    expect((err as WebGpuKernelsError).fallbackToCpu).toBe(true);
    await expect(k.createLogits(data, 1, 100)).rejects.toBeInstanceOf(WebGpuKernelsError);
    // The fallback: the CPU kernels give the token the GPU gave before it was lost.
    const again = await cpu.step(await cpu.createLogits(data, 1, 100), req);
    expect(again.rows[0].choice!.token).toBe(ok.rows[0].choice!.token);
    k.destroy();
  });
});
