/**
 * Mirostat v2 as a truncation stage: hand-checked rows for a carried mu (and 2·tau without one),
 * the state's start and update rule, mirostat=1 refused (kernels and links), the refusal in
 * speculative verification, and the carried state on WebGPU (Dawn) equal to the CPU reference.
 */
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../../config/index.ts';
import { useDawnKernels } from '../../../../tests/support/dawn.ts';
import { compare } from '../../../../tests/support/kernel-compare.ts';
import { randomLogits } from '../../../../tests/support/kernels.ts';
import { createCpuKernels } from '../cpu/index.ts';
import type { ProcessorConfig, ProcessorState } from '../types.ts';
import { initialState, nextState } from './registry.ts';

useDawnKernels();
const kernels = createCpuKernels();

async function run(probs: number[], config: ProcessorConfig, state?: ProcessorState) {
  const k = await kernels;
  const l = await k.createLogits(Float64Array.from(probs, Math.log), 1, probs.length);
  const res = await k.step(l, { rows: [{ config, choose: 'none', seed: 1, step: 0, state }], keepProcessed: true });
  return { probs: Array.from(await k.readProbs({ probs: res.processed!, row: 0 })), stages: res.rows[0].stages };
}

const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(g, `token ${i}`).toBeCloseTo(want[i], 12));

describe('mirostat (v2)', () => {
  const row = [0.5, 0.25, 0.15, 0.1];

  it('keeps the tokens whose surprise -log2 p is at most mu', async () => {
    // mu = 2 bits: p >= 0.25 stays.
    close((await run(row, { mirostat: 2 }, { mirostat_mu: 2 })).probs, [2 / 3, 1 / 3, 0, 0]);
    // mu = 2.8 bits: 2^-2.8 = 0.1436, so 0.15 stays too.
    close((await run(row, { mirostat: 2 }, { mirostat_mu: 2.8 })).probs, [0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9, 0]);
  });

  it('starts from mu = 2·tau without a carried state', async () => {
    close((await run(row, { mirostat: 2, mirostat_tau: 1 })).probs, [2 / 3, 1 / 3, 0, 0]);
    expect((await run(row, { mirostat: 2 })).stages).toEqual([{ name: 'mirostat', kept: 4, removedMass: 0 }]);
  });

  it('always keeps the top token, even for a tiny or negative mu', async () => {
    for (const mu of [0.5, 0, -3]) close((await run(row, { mirostat: 2 }, { mirostat_mu: mu })).probs, [1, 0, 0, 0]);
  });

  it('state: mu0 = 2·tau, then mu -= eta · (surprise of the chosen token - tau)', () => {
    const c = { mirostat: 2, mirostat_tau: 3, mirostat_eta: 0.2 };
    expect(initialState(c)).toEqual({ mirostat_mu: 6 });
    expect(nextState(c, { mirostat_mu: 6 }, 0.25)).toEqual({ mirostat_mu: 6 - 0.2 * (2 - 3) });
    expect(nextState(c, { mirostat_mu: 6 }, 1 / 32)!.mirostat_mu).toBeCloseTo(6 - 0.2 * (5 - 3), 12);
    expect(initialState({ top_p: 0.9 })).toBeUndefined();
    expect(nextState({ top_p: 0.9 }, undefined, 0.5)).toBeUndefined();
  });

  it('refuses v1 and bad values in the kernels, and a link asking for v1 gets a warning and mirostat off', async () => {
    await expect(run(row, { mirostat: 1 })).rejects.toThrow(/v1 is not supported/);
    await expect(run(row, { mirostat: 2, mirostat_tau: -1 })).rejects.toThrow(RangeError);
    await expect(run(row, { mirostat: 2 }, { mirostat_mu: Number.NaN })).rejects.toThrow(RangeError);
    const { config, warnings } = normalizeConfig({ mirostat: 1 });
    expect(config.mirostat).toBe(0);
    expect(warnings.join('\n')).toMatch(/mirostat=1 asks for mirostat v1, which is not supported/);
  });

  it('is refused by speculative verification (the target would depend on the sampled history)', async () => {
    const k = await kernels;
    const target = await k.createLogits(Float64Array.from([0.5, 0.5, 0.5, 0.5], Math.log), 2, 2);
    const draft = await k.createLogits(Float64Array.from([0.5, 0.5], Math.log), 1, 2);
    const q = (await k.step(draft, { rows: [{ config: {}, choose: 'none', seed: 0, step: 0 }], keepProcessed: true })).processed!;
    const req = { target, q: [{ probs: q, row: 0 }], draftTokens: [1], config: { mirostat: 2 }, seed: 1, step: 0 };
    await expect(k.verifyChain(req)).rejects.toThrow(/mirostat is not supported by speculative verification/);
  });

  it('on WebGPU reads the carried mu as the CPU does', async () => {
    const V = 3001;
    const data = randomLogits(V, 5, 1.5);
    for (const mu of [4, 7.5, 9, 11.5]) {
      for (const seed of [1, 2]) {
        await compare(data, 1, V, [{ config: { mirostat: 2, temperature: 0.8 }, state: { mirostat_mu: mu }, seed }], `mu ${mu} seed ${seed}`);
      }
    }
  });
});
