/**
 * XTC on the CPU reference: hand-checked rows (which top choices go, which one stays, ties), the
 * coin from the shared RNG (the row's key decides, sub-streams apart), the llama.cpp off switch
 * (threshold > 0.5), bad values, and the refusal in speculative verification.
 */
import { describe, expect, it } from 'vitest';
import { purposeWord, uniform } from '../../rng.ts';
import { createCpuKernels } from '../cpu/index.ts';
import type { ProcessorConfig, RowRequest } from '../types.ts';
import { activeProcessors } from './registry.ts';

const kernels = createCpuKernels();

/** The processed distribution and the XTC stage of one row given as probabilities. */
async function run(probs: number[], config: ProcessorConfig, key: Partial<RowRequest> = {}) {
  const k = await kernels;
  const l = await k.createLogits(Float64Array.from(probs, Math.log), 1, probs.length);
  const res = await k.step(l, { rows: [{ config, choose: 'none', seed: 1, step: 0, ...key }], keepProcessed: true });
  const out = Array.from(await k.readProbs({ probs: res.processed!, row: 0 }));
  return { probs: out, stage: res.rows[0].stages.find((s) => s.name === 'xtc') };
}

const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(g, `token ${i}`).toBeCloseTo(want[i], 12));

describe('xtc', () => {
  it('removes every token at or above the threshold except the least probable of them', async () => {
    const r = await run([0.4, 0.3, 0.2, 0.1], { xtc_probability: 1, xtc_threshold: 0.2 });
    close(r.probs, [0, 0, 2 / 3, 1 / 3]);
    expect(r.stage).toEqual({ name: 'xtc', kept: 2, removedMass: expect.closeTo(0.7, 12) });
  });

  it('spares the lowest id among equally probable least top choices', async () => {
    const r = await run([0.3, 0.25, 0.25, 0.2], { xtc_probability: 1, xtc_threshold: 0.22 });
    close(r.probs, [0, 0.25 / 0.45, 0, 0.2 / 0.45]);
  });

  it('does nothing when fewer than two tokens reach the threshold', async () => {
    const r = await run([0.7, 0.1, 0.1, 0.1], { xtc_probability: 1, xtc_threshold: 0.3 });
    close(r.probs, [0.7, 0.1, 0.1, 0.1]);
    expect(r.stage).toEqual({ name: 'xtc', kept: 4, removedMass: 0 });
  });

  it('with threshold 0 keeps only the least probable candidate', async () => {
    const r = await run([0.4, 0.1, 0.3, 0.1, 0.1], { xtc_probability: 1, xtc_threshold: 0 });
    close(r.probs, [0, 1, 0, 0, 0]);
  });

  it('acts exactly when uniform(seed, step, xtc purpose of the row sub, 0) <= probability', async () => {
    const probs = [0.4, 0.3, 0.2, 0.1];
    let acted = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const sub = seed % 3;
      const u = uniform(seed, 7, purposeWord('xtc', sub), 0);
      const r = await run(probs, { xtc_probability: 0.5, xtc_threshold: 0.2 }, { seed, step: 7, sub });
      expect(r.stage!.kept, `seed ${seed}`).toBe(u <= 0.5 ? 2 : 4);
      if (u <= 0.5) acted++;
    }
    expect(acted).toBeGreaterThan(5);
    expect(acted).toBeLessThan(35);
  });

  it('is off when the probability is 0 or the threshold is above 0.5 (no two tokens can reach it)', () => {
    expect(activeProcessors({ xtc_probability: 0, xtc_threshold: 0.1 })).toEqual([]);
    expect(activeProcessors({ xtc_probability: 1, xtc_threshold: 0.51 })).toEqual([]);
    expect(activeProcessors({ xtc_probability: 0.1 }).map((d) => d.stage)).toEqual(['xtc']);
  });

  it('rejects out-of-range values', async () => {
    await expect(run([0.5, 0.5], { xtc_probability: 1.5 })).rejects.toThrow(RangeError);
    await expect(run([0.5, 0.5], { xtc_probability: 1, xtc_threshold: -0.1 })).rejects.toThrow(RangeError);
    await expect(run([0.5, 0.5], { xtc_probability: Number.NaN })).rejects.toThrow(RangeError);
  });

  it('is refused by speculative verification, whose target rows have no per-position key', async () => {
    const k = await kernels;
    const target = await k.createLogits(Float64Array.from([0.5, 0.5, 0.5, 0.5], Math.log), 2, 2);
    const draft = await k.createLogits(Float64Array.from([0.5, 0.5], Math.log), 1, 2);
    const q = (await k.step(draft, { rows: [{ config: {}, choose: 'none', seed: 0, step: 0 }], keepProcessed: true })).processed!;
    const req = { target, q: [{ probs: q, row: 0 }], draftTokens: [1], config: { xtc_probability: 1 }, seed: 1, step: 0 };
    await expect(k.verifyChain(req)).rejects.toThrow(/xtc is not supported by speculative verification/);
  });
});
