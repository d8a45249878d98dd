import { describe, expect, it } from 'vitest';
import type { ProcessorConfig } from '../types.ts';
import { CpuKernels } from './cpu-kernels.ts';

const kernels = new CpuKernels();

async function step(data: Float32Array | Float64Array, config: ProcessorConfig = {}, choose: 'greedy' | 'sample' = 'sample') {
  const l = await kernels.createLogits(data, 1, data.length);
  const res = await kernels.step(l, { rows: [{ config, choose, seed: 7, step: 3 }], keepProcessed: true, topK: 64 });
  const probs = Array.from(await kernels.readProbs({ probs: res.processed!, row: 0 }));
  kernels.dispose(res.processed!);
  return { row: res.rows[0], probs };
}

const FULL: ProcessorConfig = {
  repetition_penalty: 1.2,
  temperature: 0.8,
  top_k: 50,
  top_p: 0.9,
  min_p: 0.05,
  typical_p: 0.95,
  epsilon_cutoff: 0.0003,
  eta_cutoff: 0.0003,
};

function expectValid(probs: number[], row: { entropy: number; varentropy: number; choice?: { token: number; processedProb: number } }) {
  for (const p of probs) expect(Number.isFinite(p) && p >= 0 && p <= 1).toBe(true);
  expect(probs.reduce((a, b) => a + b)).toBeCloseTo(1, 9);
  expect(Number.isFinite(row.entropy) && row.entropy >= 0).toBe(true);
  expect(Number.isFinite(row.varentropy) && row.varentropy >= 0).toBe(true);
  if (row.choice) expect(probs[row.choice.token]).toBeGreaterThan(0);
}

describe('robustness', () => {
  it('NaN logits are -inf: never chosen, never kept', async () => {
    const d = Float32Array.from([NaN, 1, NaN, 2, 0.5]);
    for (const config of [{}, FULL, { temperature: 0 }]) {
      const { row, probs } = await step(d, config);
      expectValid(probs, row);
      expect(probs[0]).toBe(0);
      expect(probs[2]).toBe(0);
      expect(row.rawTop.ids).not.toContain(0);
    }
  });

  it('-inf logits are masked out of every stage', async () => {
    const d = Float64Array.from([-Infinity, 1, -Infinity, 2, 0.5]);
    const { row, probs } = await step(d, { temperature: 1.5, top_k: 10 });
    expectValid(probs, row);
    expect(row.stages.map((s) => s.kept)).toEqual([3, 3]);
    expect(row.rawTop.ids).toEqual([3, 1, 4]);
  });

  it('all -inf (or all NaN) is a degenerate uniform row, flagged', async () => {
    for (const v of [-Infinity, NaN]) {
      const { row, probs } = await step(new Float32Array(8).fill(v), FULL);
      expect(row.degenerate).toBe(true);
      expectValid(probs, row);
      expect(row.entropy).toBeCloseTo(Math.log(8), 12);
    }
  });

  it('+inf logits take all the mass, shared equally', async () => {
    const { row, probs } = await step(Float32Array.from([1, Infinity, 3, Infinity]));
    expect(probs).toEqual([0, 0.5, 0, 0.5]);
    expect(row.entropy).toBeCloseTo(Math.log(2), 12);
    expect([1, 3]).toContain(row.choice!.token);
  });

  it('all-equal logits: uniform, entropy ln V, zero varentropy, ties kept by top-k, lowest id wins greedy', async () => {
    const V = 1000;
    const { row, probs } = await step(new Float32Array(V).fill(3.25), { top_k: 10, min_p: 0.5 }, 'greedy');
    expect(row.entropy).toBeCloseTo(Math.log(V), 10);
    expect(row.varentropy).toBeCloseTo(0, 10);
    expect(row.stages.map((s) => s.kept)).toEqual([V, V]);
    expect(probs[0]).toBeCloseTo(1 / V, 12);
    expect(row.choice!.token).toBe(0);
    expect(row.choice!.rawRank).toBe(0);
    expect(row.rawTop.ids.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('top_p on all-equal logits keeps ceil(p V) tokens, lowest ids first', async () => {
    const { row, probs } = await step(new Float64Array(10).fill(0), { top_p: 0.35 });
    expect(row.stages[0].kept).toBe(4);
    expect(probs.slice(0, 4).every((p) => p > 0)).toBe(true);
  });

  it('huge magnitudes (±3e38 in f32) stay finite', async () => {
    const d = Float32Array.from([3e38, -3e38, 2.9e38, 0, -1e30, 3e38]);
    for (const config of [{}, FULL, { temperature: 1e-6 }, { temperature: 50 }]) {
      const { row, probs } = await step(d, config);
      expectValid(probs, row);
    }
    const { probs } = await step(d);
    expect(probs[0]).toBeCloseTo(0.5, 12);
    expect(probs[5]).toBeCloseTo(0.5, 12);
  });

  it('temperature near 0 is (almost) greedy without overflow; exactly 0 is greedy', async () => {
    const d = Float64Array.from([1, 1.0001, 0.5, -2]);
    for (const T of [1e-300, 1e-12, 1e-6]) {
      const { row, probs } = await step(d, { temperature: T });
      expectValid(probs, row);
      expect(probs[1]).toBeCloseTo(1, 9);
      expect(row.choice!.token).toBe(1);
    }
    const zero = await step(d, { temperature: 0 });
    expect(zero.probs).toEqual([0, 1, 0, 0]);
  });

  it('top_p 0 keeps one token, top_p 1 is off, k > vocab keeps all', async () => {
    const d = Float64Array.from([0.3, 0.1, 0.9, 0.2]);
    expect((await step(d, { top_p: 0 })).probs).toEqual([0, 0, 1, 0]);
    expect((await step(d, { top_p: 1 })).row.stages).toEqual([]);
    expect((await step(d, { top_k: 1_000_000 })).row.stages[0].kept).toBe(4);
  });

  it('vocab of 1 works with every processor', async () => {
    const { row, probs } = await step(Float64Array.from([0.7]), { ...FULL, dynatemp_range: 0.5 });
    expect(probs).toEqual([1]);
    expect(row.entropy).toBe(0);
    expect(row.choice!.token).toBe(0);
  });

  it('rejects mismatched shapes and foreign handles', async () => {
    await expect(kernels.createLogits(new Float32Array(5), 2, 3)).rejects.toThrow(RangeError);
    const l = await kernels.createLogits(new Float32Array(6), 2, 3);
    await expect(kernels.step(l, { rows: [{ config: {}, seed: 0, step: 0 }] })).rejects.toThrow(/row requests/);
    await expect(kernels.step(l, { rows: [{ config: {}, seed: 0, step: 0 }, { config: {}, seed: 0, step: 0 }], topK: 65 })).rejects.toThrow(/topK/);
    const fake = { kind: 'probs' as const, backend: 'webgpu' as const, rows: 1, vocab: 3 };
    await expect(kernels.readProbs({ probs: fake, row: 0 })).rejects.toThrow(TypeError);
  });

  it('a disposed ProbsHandle cannot be read', async () => {
    const l = await kernels.createLogits(new Float32Array(3), 1, 3);
    const res = await kernels.step(l, { rows: [{ config: {}, seed: 0, step: 0 }], keepProcessed: true });
    kernels.dispose(res.processed!);
    kernels.dispose(res.processed!); // idempotent
    await expect(kernels.readProbs({ probs: res.processed!, row: 0 })).rejects.toThrow(/dispose/);
  });
});

describe('kept counts and underflow', () => {
  it('a kept token may have probability 0; overflow to -inf under a tiny temperature removes it', async () => {
    const wide = await step(Float64Array.from([3000, 0, -1]), { temperature: 2 });
    expect(wide.row.stages).toEqual([{ name: 'temperature', kept: 3, removedMass: 0 }]);
    expect(wide.probs).toEqual([1, 0, 0]);
    // (0.5e300 - 1e300) / 1e-8 = -5e307 stays finite; (-1e300 - 1e300) / 1e-8 = -2e308 overflows.
    const over = await step(Float64Array.from([1e300, 0.5e300, -1e300]), { temperature: 1e-8 });
    expect(over.row.stages[0].kept).toBe(2);
    expect(over.probs).toEqual([1, 0, 0]);
  });
});
