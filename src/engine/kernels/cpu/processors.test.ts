import { describe, expect, it } from 'vitest';
import type { ProcessorConfig, StepRowResult } from '../types.ts';
import { CpuKernels } from './cpu-kernels.ts';
import { buildChain } from './processors/index.ts';
import { processedProbs, processRow } from './pipeline.ts';
import { logitsOf } from '../../../../tests/support/kernels.ts';
import { exp } from './exp.ts';

const kernels = new CpuKernels();

/** Processes one row and returns its stats and dense processed probabilities. */
async function run(logits: number[] | Float64Array, config: ProcessorConfig, contextIds?: number[]) {
  const data = Float64Array.from(logits);
  const l = await kernels.createLogits(data, 1, data.length);
  const res = await kernels.step(l, { rows: [{ config, contextIds, choose: 'greedy', seed: 1, step: 0 }], keepProcessed: true, topK: 5 });
  const probs = await kernels.readProbs({ probs: res.processed!, row: 0 });
  kernels.dispose(res.processed!);
  return { row: res.rows[0] as StepRowResult, probs: Array.from(probs) };
}

const kept = (r: StepRowResult) => r.stages.map((s) => [s.name, s.kept]);

describe('processor chain order and activation (HF rule)', () => {
  it('lists only non-neutral processors, in Hugging Face order', () => {
    const names = buildChain({
      eta_cutoff: 0.01,
      epsilon_cutoff: 0.01,
      typical_p: 0.9,
      min_p: 0.1,
      top_p: 0.9,
      top_k: 5,
      temperature: 0.7,
      repetition_penalty: 1.2,
    }).map((p) => p.name);
    expect(names).toEqual(['repetition_penalty', 'temperature', 'top_k', 'top_p', 'min_p', 'typical_p', 'epsilon_cutoff', 'eta_cutoff']);
    expect(buildChain({ temperature: 1, top_k: 0, top_p: 1, min_p: 0, typical_p: 1, repetition_penalty: 1, epsilon_cutoff: 0, eta_cutoff: 0 })).toEqual([]);
    expect(buildChain({ dynatemp_range: 0.5 }).map((p) => p.name)).toEqual(['temperature']);
  });

  it.each<[ProcessorConfig, RegExp]>([
    [{ temperature: -1 }, /temperature/],
    [{ top_k: 1.5 }, /top_k/],
    [{ top_k: -2 }, /top_k/],
    [{ top_p: 1.5 }, /top_p/],
    [{ min_p: -0.1 }, /min_p/],
    [{ typical_p: 2 }, /typical_p/],
    [{ epsilon_cutoff: 1 }, /epsilon_cutoff/],
    [{ eta_cutoff: -0.5 }, /eta_cutoff/],
    [{ repetition_penalty: 0 }, /repetition_penalty/],
    [{ temperature: NaN }, /temperature/],
    [{ dynatemp_range: 1, dynatemp_exponent: 0 }, /dynatemp_exponent/],
  ])('rejects %o with a RangeError', (config, msg) => {
    expect(() => buildChain(config)).toThrow(RangeError);
    expect(() => buildChain(config)).toThrow(msg);
  });

  it("builds a config object's chain once, and again (validated) when its values change", () => {
    const config: ProcessorConfig = { temperature: 0.7, top_k: 5 };
    const chain = buildChain(config);
    expect(buildChain(config)).toBe(chain);
    expect(buildChain({ ...config })).not.toBe(chain); // another object
    config.top_k = 0;
    expect(buildChain(config).map((p) => p.name)).toEqual(['temperature']);
    config.temperature = -1;
    expect(() => buildChain(config)).toThrow(/temperature/);
  });
});

describe('repetition penalty', () => {
  it('divides positive and multiplies negative scores of context tokens once each', async () => {
    const { probs } = await run([2, -1, 0.5, 1], { repetition_penalty: 2 }, [0, 1, 1, 0, 99, -3]);
    const want = [1, -2, 0.5, 1].map(Math.exp);
    const z = want.reduce((a, b) => a + b);
    probs.forEach((p, i) => expect(p).toBeCloseTo(want[i] / z, 12));
  });
});

describe('temperature', () => {
  it('scales logits by 1/T', async () => {
    const { probs } = await run([1, 2, 3], { temperature: 0.5 });
    const e = [2, 4, 6].map((v) => Math.exp(v - 6));
    const z = e.reduce((a, b) => a + b);
    probs.forEach((p, i) => expect(p).toBeCloseTo(e[i] / z, 12));
  });

  it('a denormal T (1/T overflows) divides: the max stays, the others drop, no NaN', async () => {
    const { row, probs } = await run([1, 3, 2, 3 - 1e-12], { temperature: Number.MIN_VALUE });
    expect(probs).toEqual([0, 1, 0, 0]);
    expect(kept(row)).toEqual([['temperature', 1]]);
    expect(row.processedTop.ids).toEqual([1]);
  });

  it('T = 0 is greedy: one-hot at the argmax (lowest id on ties); later stages keep 1', async () => {
    const { row, probs } = await run([1, 3, 3, 2], { temperature: 0, top_k: 3, top_p: 0.9 });
    expect(probs).toEqual([0, 1, 0, 0]);
    expect(kept(row)).toEqual([['temperature', 1], ['top_k', 1], ['top_p', 1]]);
    const softmax = [1, 3, 3, 2].map((v) => Math.exp(v));
    const z = softmax.reduce((a, b) => a + b);
    expect(row.stages[0].removedMass).toBeCloseTo(1 - softmax[1] / z, 12);
    expect(row.choice!.token).toBe(1);
  });

  it('dynatemp: a flat row gets maxT, the exponent shapes the curve, the effective T is reported', async () => {
    const flat = await run([0, 0, 0, 0], { temperature: 1, dynatemp_range: 0.5 });
    expect(flat.row.temperature).toBeCloseTo(1.5, 12);
    // Entropy of [0.7, 0.1, 0.1, 0.1] normalized by ln 4, then the llama.cpp formula.
    const p = [0.7, 0.1, 0.1, 0.1];
    const h = -p.reduce((a, q) => a + q * Math.log(q), 0) / Math.log(4);
    for (const exponent of [1, 2, 0.5]) {
      const r = await run(p.map(Math.log), { temperature: 0.8, dynatemp_range: 0.6, dynatemp_exponent: exponent });
      const T = 0.2 + 1.2 * Math.pow(h, exponent);
      expect(r.row.temperature).toBeCloseTo(T, 12);
      const e = p.map((q) => Math.pow(q, 1 / T));
      const z = e.reduce((a, b) => a + b);
      r.probs.forEach((q, i) => expect(q).toBeCloseTo(e[i] / z, 10));
    }
  });

  it('dynatemp with minT = 0 on a peaked row sharpens toward greedy', async () => {
    const r = await run([10, 0, 0, 0], { temperature: 0.1, dynatemp_range: 0.1 });
    expect(r.row.temperature).toBeGreaterThanOrEqual(0);
    expect(r.row.temperature).toBeLessThan(0.01);
    expect(r.probs[0]).toBeCloseTo(1, 12);
  });
});

describe('top-k', () => {
  it('keeps ties at the k-th value', async () => {
    const { row } = await run([5, 4, 4, 4, 1], { top_k: 2 });
    expect(kept(row)).toEqual([['top_k', 4]]);
  });
  it('k larger than the vocabulary keeps everything; k = 1 keeps the argmax', async () => {
    expect(kept((await run([1, 2, 3], { top_k: 10 })).row)).toEqual([['top_k', 3]]);
    expect((await run([1, 3, 2], { top_k: 1 })).probs).toEqual([0, 1, 0]);
  });
});

describe('top-p (keep while the mass strictly above is < p)', () => {
  const p = [0.5, 0.3, 0.15, 0.05];
  it.each([
    [0.5, 1],
    [0.50001, 2],
    [0.79, 2],
    [0.81, 3],
    [0.99, 4],
    [0, 1],
  ])('top_p %f keeps %i', async (top, n) => {
    const { row } = await run(logitsOf(p), { top_p: top });
    expect(row.stages[0].kept).toBe(n);
  });
  it('reports the removed mass', async () => {
    const { row, probs } = await run(logitsOf(p), { top_p: 0.7 });
    expect(row.stages[0].removedMass).toBeCloseTo(0.2, 12);
    expect(probs[0]).toBeCloseTo(0.625, 12);
  });
  it('handles a long flat tail (the head search widens until it holds p)', async () => {
    const V = 20000;
    const logits = new Float64Array(V).fill(0);
    logits[7] = 3;
    const { row } = await run(logits, { top_p: 0.9 });
    const pTop = Math.exp(3) / (Math.exp(3) + V - 1);
    const rest = (1 - pTop) / (V - 1);
    expect(row.stages[0].kept).toBe(1 + Math.ceil((0.9 - pTop) / rest - 1e-9));
  });
});

describe('min-p, epsilon, eta, typical', () => {
  it('min-p is relative to the top probability', async () => {
    const { row } = await run(logitsOf([0.5, 0.3, 0.1, 0.04, 0.06]), { min_p: 0.2 });
    expect(row.stages[0].kept).toBe(3); // 0.1 >= 0.2 * 0.5 kept; 0.06 and 0.04 dropped
    expect(row.stages[0].removedMass).toBeCloseTo(0.1, 12);
  });
  it('min-p = 1 keeps the top tied tokens', async () => {
    expect((await run([2, 2, 1], { min_p: 1 })).row.stages[0].kept).toBe(2);
  });
  it('epsilon drops tokens below epsilon but always keeps the top', async () => {
    expect((await run(logitsOf([0.5, 0.3, 0.1, 0.04, 0.06]), { epsilon_cutoff: 0.05 })).row.stages[0].kept).toBe(4);
    expect((await run(logitsOf([0.25, 0.25, 0.25, 0.25]), { epsilon_cutoff: 0.9 })).row.stages[0].kept).toBe(4);
    expect((await run(logitsOf([0.4, 0.3, 0.3]), { epsilon_cutoff: 0.9 })).row.stages[0].kept).toBe(1);
  });
  it('eta uses min(eps, sqrt(eps) exp(-H))', async () => {
    const p = [0.6, 0.2, 0.1, 0.05, 0.03, 0.02];
    const h = -p.reduce((a, q) => a + q * Math.log(q), 0);
    const eps = 0.1;
    const eta = Math.min(eps, Math.sqrt(eps) * Math.exp(-h));
    const { row } = await run(logitsOf(p), { eta_cutoff: eps });
    expect(row.stages[0].kept).toBe(p.filter((q) => q >= eta).length);
  });
  // Masses in these tests stay away from exact boundaries, where the outcome depends on rounding.
  it('typical keeps the tokens closest to the entropy until the mass is reached', async () => {
    const p = [0.4, 0.3, 0.2, 0.1];
    const h = -p.reduce((a, q) => a + q * Math.log(q), 0);
    const order = [0, 1, 2, 3].sort((a, b) => Math.abs(-Math.log(p[a]) - h) - Math.abs(-Math.log(p[b]) - h));
    let cum = 0;
    let n = 0;
    for (const i of order) {
      n++;
      cum += p[i];
      if (cum >= 0.45) break;
    }
    const { row, probs } = await run(logitsOf(p), { typical_p: 0.45 });
    expect(row.stages[0].kept).toBe(n);
    expect(probs[order[0]]).toBeGreaterThan(0);
  });
});

describe('stage accounting', () => {
  it('kept counts never grow and removed masses are in [0, 1]', async () => {
    const logits = Array.from({ length: 300 }, (_, i) => Math.sin(i * 1.7) * 4);
    const { row, probs } = await run(logits, {
      repetition_penalty: 1.3,
      temperature: 0.9,
      top_k: 100,
      top_p: 0.95,
      min_p: 0.02,
      typical_p: 0.95,
      epsilon_cutoff: 0.001,
      eta_cutoff: 0.001,
    }, [1, 2, 3]);
    let prev = 300;
    for (const s of row.stages) {
      expect(s.kept).toBeLessThanOrEqual(prev);
      expect(s.removedMass).toBeGreaterThanOrEqual(0);
      expect(s.removedMass).toBeLessThanOrEqual(1);
      if (s.kept === prev) expect(s.removedMass).toBe(0);
      prev = s.kept;
    }
    expect(probs.filter((p) => p > 0).length).toBe(prev);
    expect(probs.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
  });
});

describe('processed probabilities reuse the temperature stage\'s exp terms only while they are current', () => {
  const logits = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) * 4 + (i % 7) * 0.3);
  it.each<[string, ProcessorConfig, number[]?]>([
    ['temperature last', { temperature: 0.7 }],
    ['a cut after it (top surviving)', { temperature: 0.7, top_k: 9 }],
    ['a rescaling stage after it', { temperature: 0.7, repetition_penalty: 1.5, sampler_order: 'temperature,repetition_penalty' }, [3, 5, 8, 13]],
    ['cuts and penalties in llama.cpp order', { temperature: 1.3, top_p: 0.8, min_p: 0.02, repetition_penalty: 1.2, sampler_order: 'llamacpp' }, [1, 2, 3]],
  ])('%s: bit-identical to a fresh exp pass over the final scores', (_name, config, context) => {
    const row = processRow(logits, 0, logits.length, config, context, 5);
    const got = processedProbs(row);
    const { st, norm } = row;
    const want = new Float64Array(st.vocab);
    for (let j = 0; j < st.n; j++) want[st.idx[j]] = exp(st.s[st.idx[j]] - norm.max) / norm.z;
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('the reuse happens: a row whose chain ends at the temperature keeps its terms', () => {
    const row = processRow(logits, 0, logits.length, { temperature: 0.7 }, undefined, 5);
    expect(row.st.expMax).toBe(row.norm.max);
    const penalized = processRow(logits, 0, logits.length, { temperature: 0.7, repetition_penalty: 1.5, sampler_order: 'temperature,repetition_penalty' }, [3], 5);
    expect(penalized.st.expMax).toBeUndefined();
  });
});

describe('lean rows (a draft model\'s): the same choice, stages and processed distribution without the raw pass', () => {
  const logits = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i * 0.37) * 5);
  it.each<[string, ProcessorConfig, boolean]>([
    ['temperature first: raw pass skipped', { temperature: 0.8, top_k: 40 }, true],
    ['a penalty first reads z: not skipped', { temperature: 0.8, repetition_penalty: 1.3 }, false],
    ['greedy (T = 0): not skipped', { temperature: 0 }, false],
    ['dynatemp reads the entropy: not skipped', { temperature: 0.8, dynatemp_range: 0.3 }, false],
  ])('%s', (_name, config, skipped) => {
    const full = processRow(logits, 0, logits.length, config, [4, 9], 5, { rng: { seed: 3, step: 2, sub: 0 } });
    const fullProbs = processedProbs(full);
    const lean = processRow(logits, 0, logits.length, config, [4, 9], 5, { rng: { seed: 3, step: 2, sub: 0 }, lean: true });
    expect(Array.from(processedProbs(lean))).toEqual(Array.from(fullProbs));
    expect(lean.stats.stages).toEqual(full.stats.stages);
    expect(lean.stats.processedTop).toEqual(full.stats.processedTop);
    expect(Number.isNaN(lean.stats.entropy)).toBe(skipped);
    expect(lean.stats.rawTop.ids.length === 0).toBe(skipped);
  });
});
