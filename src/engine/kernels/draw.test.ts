/**
 * `drawFromProbs` on both backends: the WGSL draws (double-f32 sums) pick exactly the tokens the
 * f64 reference (cpu/draws.ts) picks on the same probabilities, i.i.d. and without replacement,
 * over vocabularies whose chunks end mid-row, truncated rows (few tokens with mass) included; only
 * the drawn ids and probabilities come back; bad requests are RangeErrors.
 */
import { describe, expect, it } from 'vitest';
import { purposeWord, uniform } from '../rng.ts';
import { cpu, gpu, useDawnKernels } from '../../../tests/support/dawn.ts';
import { randomLogits } from '../../../tests/support/kernels.ts';
import { drawInverseCdf, drawWithoutReplacement } from './cpu/draws.ts';
import type { DrawRequest, Kernels, ProcessorConfig } from './types.ts';

useDawnKernels();

/** Kept processed distributions of `rows` random logits rows under `config`. */
async function kept(k: Kernels, V: number, rows: number, config: ProcessorConfig, seed: number) {
  const data = new Float32Array(rows * V);
  for (let r = 0; r < rows; r++) data.set(randomLogits(V, seed + r), r * V);
  const logits = await k.createLogits(data, rows, V);
  const res = await k.step(logits, { rows: Array.from({ length: rows }, () => ({ config, choose: 'none' as const, seed: 0, step: 0 })), keepProcessed: true });
  k.dispose(logits);
  return res.processed!;
}

function requests(rows: number, count: number, withoutReplacement: boolean, salt: number): DrawRequest[] {
  return Array.from({ length: rows }, (_, row) => ({
    row,
    uniforms: Array.from({ length: count }, (_, j) => uniform(salt, row, purposeWord('draft', j), 0)),
    withoutReplacement,
  }));
}

describe('drawFromProbs', () => {
  for (const { V, config } of [
    { V: 1000, config: { temperature: 1.3 } },
    { V: 4099, config: { temperature: 0.8, top_k: 40 } },
    { V: 777, config: { top_p: 0.5 } },
  ]) {
    it(`WebGPU picks the f64 reference's tokens on the same q (V = ${V}, ${JSON.stringify(config)})`, async () => {
      const rows = 6;
      const probs = await kept(gpu, V, rows, config, V);
      const q = await Promise.all(Array.from({ length: rows }, (_, row) => gpu.readProbs({ probs, row })));
      for (const [salt, wor] of [[1, false], [2, true], [3, false], [4, true]] as const) {
        const reqs = requests(rows, 8, wor, salt);
        const before = gpu.bytesReadBackTotal;
        const got = await gpu.drawFromProbs(probs, reqs);
        expect(got.bytesReadBack).toBe(rows * 2 * 8 * 4);
        expect(gpu.bytesReadBackTotal - before).toBe(got.bytesReadBack);
        reqs.forEach((r, i) => {
          const want = wor ? drawWithoutReplacement(q[i], 8, (k) => r.uniforms[k]) : r.uniforms.map((u) => drawInverseCdf(q[i], u));
          expect(got.draws[i].tokens, `row ${i} ${wor ? 'without replacement' : 'iid'}`).toEqual(want);
          got.draws[i].tokens.forEach((x, k) => expect(got.draws[i].q[k]).toBe(Math.fround(q[i][x])));
          if (wor) expect(new Set(want).size).toBe(want.length);
        });
      }
      gpu.dispose(probs);
    });
  }

  it('without replacement stops when no mass is left; the CPU kernels give the same draws on their own q', async () => {
    const V = 500;
    const g = await kept(gpu, V, 2, { top_k: 3 }, 9);
    const c = await kept(cpu, V, 2, { top_k: 3 }, 9);
    const reqs = requests(2, 5, true, 7);
    const a = await gpu.drawFromProbs(g, reqs);
    const b = await cpu.drawFromProbs(c, reqs);
    expect(a.draws.map((d) => d.tokens.length)).toEqual([3, 3]);
    expect(a.draws.map((d) => d.tokens)).toEqual(b.draws.map((d) => d.tokens));
    a.draws.forEach((d, i) => d.q.forEach((q, k) => expect(q).toBeCloseTo(b.draws[i].q[k], 6)));
    expect(b.bytesReadBack).toBe(0);
    gpu.dispose(g);
    cpu.dispose(c);
  });

  it('bad requests are RangeErrors on both backends; a foreign or disposed handle is refused', async () => {
    for (const k of [cpu, gpu]) {
      const probs = await kept(k, 50, 1, {}, 3);
      for (const uniforms of [[], [0], [1], [0.5, Number.NaN], new Array(65).fill(0.5)]) {
        await expect(k.drawFromProbs(probs, [{ row: 0, uniforms }])).rejects.toThrow(RangeError);
      }
      await expect(k.drawFromProbs(probs, [{ row: 1, uniforms: [0.5] }])).rejects.toThrow(RangeError);
      const other = k === cpu ? gpu : cpu;
      await expect(other.drawFromProbs(probs, [{ row: 0, uniforms: [0.5] }])).rejects.toThrow(TypeError);
      k.dispose(probs);
      await expect(k.drawFromProbs(probs, [{ row: 0, uniforms: [0.5] }])).rejects.toThrow(/after dispose/);
    }
  });
});
