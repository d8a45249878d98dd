import { describe, expect, it } from 'vitest';
import type { ProcessorConfig } from '../types.ts';
import { CpuKernels } from './cpu-kernels.ts';
import { gumbelArgmax, gumbelArgmaxProbs } from './sample.ts';
import { gumbel, purposeWord } from '../../rng.ts';
import { chiSquare, chiSquareCritical001, logitsOf } from '../../../../tests/support/kernels.ts';

const kernels = new CpuKernels();
const P = [0.35, 0.25, 0.15, 0.1, 0.08, 0.04, 0.02, 0.01];

async function processed(config: ProcessorConfig): Promise<number[]> {
  const l = await kernels.createLogits(logitsOf(P), 1, P.length);
  const res = await kernels.step(l, { rows: [{ config, choose: 'none', seed: 0, step: 0 }], keepProcessed: true });
  return Array.from(await kernels.readProbs({ probs: res.processed!, row: 0 }));
}

async function draw(config: ProcessorConfig, n: number, seed: number, rows = 1): Promise<number[]> {
  const counts = new Array(P.length).fill(0);
  const l = await kernels.createLogits(logitsOf(P), 1, P.length);
  for (let step = 0; step < n; step++) {
    const res = await kernels.step(l, { rows: Array.from({ length: rows }, () => ({ config, seed, step })) });
    counts[res.rows[0].choice!.token]++;
  }
  return counts;
}

describe('Gumbel-max sampling through step()', () => {
  // Alpha = 0.001 per test, fixed seeds: the outcome is deterministic, the threshold says how
  // unlikely a correct sampler would be to fail it.
  it.each<[string, ProcessorConfig]>([
    ['raw', {}],
    ['temperature 0.7 + top_k 5', { temperature: 0.7, top_k: 5 }],
    ['top_p 0.8 + min_p 0.1', { top_p: 0.8, min_p: 0.1 }],
  ])('frequencies match the processed distribution (%s), chi-square alpha 0.001', async (_name, config) => {
    const want = await processed(config);
    for (const seed of [1, 2024]) {
      const counts = await draw(config, 20000, seed);
      const support = want.filter((p) => p > 0).length;
      counts.forEach((c, i) => want[i] === 0 && expect(c).toBe(0));
      expect(chiSquare(counts, want)).toBeLessThan(chiSquareCritical001(support - 1));
    }
  });

  it('is reproducible per (seed, step, sub), and sub-streams differ', async () => {
    const l = await kernels.createLogits(logitsOf(P), 1, P.length);
    const pick = async (seed: number, step: number, sub: number) =>
      (await kernels.step(l, { rows: [{ config: { temperature: 1.5 }, seed, step, sub }] })).rows[0].choice!.token;
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    for (let s = 0; s < 200; s++) {
      a.push(await pick(9, s, 0));
      b.push(await pick(9, s, 0));
      c.push(await pick(9, s, 1));
    }
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('greedy and temperature 0 ignore the seed', async () => {
    const l = await kernels.createLogits(logitsOf(P), 1, P.length);
    for (let seed = 0; seed < 20; seed++) {
      const g = await kernels.step(l, { rows: [{ config: { temperature: 0.5 }, choose: 'greedy', seed, step: seed }, ] });
      const t0 = await kernels.step(l, { rows: [{ config: { temperature: 0 }, seed, step: seed }] });
      expect(g.rows[0].choice!.token).toBe(0);
      expect(t0.rows[0].choice!.token).toBe(0);
    }
  });

  it('describes the choice on the raw and processed distributions', async () => {
    const l = await kernels.createLogits(logitsOf(P), 1, P.length);
    const res = await kernels.step(l, { rows: [{ config: { top_k: 2 }, choose: 'greedy', seed: 0, step: 0 }], topK: 3 });
    const row = res.rows[0];
    expect(row.choice).toEqual({
      token: 0,
      rawProb: expect.closeTo(0.35, 12),
      rawLogprob: expect.closeTo(Math.log(0.35), 12),
      rawRank: 0,
      processedProb: expect.closeTo(0.35 / 0.6, 12),
    });
    expect(row.rawTop.ids).toEqual([0, 1, 2]);
    expect(row.processedTop.ids).toEqual([0, 1]);
    expect(row.processedTop.probs[1]).toBeCloseTo(0.25 / 0.6, 12);
    expect(row.processedTop.logprobs[1]).toBeCloseTo(Math.log(0.25 / 0.6), 12);
    expect(res.bytesReadBack).toBe(0);
  });

  it('handles a batch of rows with per-row configs and contexts', async () => {
    const V = P.length;
    const data = new Float64Array(3 * V);
    for (let r = 0; r < 3; r++) data.set(logitsOf(P), r * V);
    const l = await kernels.createLogits(data, 3, V);
    const res = await kernels.step(l, {
      rows: [
        { config: {}, choose: 'greedy', seed: 0, step: 0 },
        { config: { repetition_penalty: 100 }, contextIds: [0], choose: 'greedy', seed: 0, step: 0 },
        { config: { top_k: 1 }, choose: 'none', seed: 0, step: 0 },
      ],
    });
    expect(res.rows.map((r) => r.choice?.token)).toEqual([0, 1, undefined]);
    expect(res.rows[2].stages).toEqual([{ name: 'top_k', kept: 1, removedMass: expect.closeTo(0.65, 12) }]);
  });

  it('rank counts tokens with a strictly larger raw logit', async () => {
    const l = await kernels.createLogits(Float64Array.from([1, 5, 5, 3, -Infinity]), 1, 5);
    const res = await kernels.step(l, { rows: [{ config: { top_k: 1, temperature: 0 }, choose: 'greedy', seed: 0, step: 0 }] });
    expect(res.rows[0].choice!.token).toBe(1);
    expect(res.rows[0].choice!.rawRank).toBe(0);
    const res2 = await kernels.step(l, { rows: [{ config: { repetition_penalty: 10 }, contextIds: [1, 2], choose: 'greedy', seed: 0, step: 0 }] });
    expect(res2.rows[0].choice!.token).toBe(3);
    expect(res2.rows[0].choice!.rawRank).toBe(2);
  });
});

describe('Gumbel-max shortcuts pick exactly the token a full evaluation picks', () => {
  /** Every candidate's key computed, no pruning: the definition. */
  function naive(lq: ArrayLike<number>, seed: number, step: number, purpose: number): number {
    let best = -1;
    let bestKey = -Infinity;
    for (let i = 0; i < lq.length; i++) {
      if (lq[i] === -Infinity) continue;
      const key = lq[i] + gumbel(seed, step, purpose, i);
      if (key > bestKey) {
        best = i;
        bestKey = key;
      }
    }
    return best;
  }

  // Peaked, flat and heavy-tailed rows, and ties (repeated scores), over many keys.
  const rows: [string, Float64Array][] = [
    ['flat 4096', Float64Array.from({ length: 4096 }, (_, i) => Math.sin(i * 12.9898) * 0.5)],
    ['spread 4096', Float64Array.from({ length: 4096 }, (_, i) => Math.sin(i * 78.233) * 12)],
    ['peaked 2000', Float64Array.from({ length: 2000 }, (_, i) => (i === 17 ? 25 : Math.cos(i) * 8))],
    ['ties 512', Float64Array.from({ length: 512 }, (_, i) => Math.round(Math.sin(i) * 3))],
  ];
  it.each(rows)('%s: row and probability-vector forms', (_name, scores) => {
    const V = scores.length;
    let max = -Infinity;
    for (const v of scores) max = Math.max(max, v);
    let z = 0;
    for (const v of scores) z += Math.exp(v - max);
    const lq = scores.map((v) => v - max - Math.log(z));
    const probs = scores.map((v) => Math.exp(v - max) / z);
    for (let seed = 0; seed < 60; seed++) {
      const purpose = purposeWord('sample', seed % 3);
      const st = { vocab: V, s: Float64Array.from(scores), idx: Int32Array.from({ length: V }, (_, i) => i), n: V };
      expect(gumbelArgmax(st, { max, z }, seed, 7, purpose)).toBe(naive(lq, seed, 7, purpose));
      expect(gumbelArgmaxProbs(probs, seed, 7, purpose)).toBe(naive(probs.map(Math.log), seed, 7, purpose));
    }
  });
});
