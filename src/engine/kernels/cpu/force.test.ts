import { describe, expect, it } from 'vitest';
import { createCpuKernels } from './index.ts';

describe("choose: 'force'", () => {
  it('describes the given token on the raw and processed distributions', async () => {
    const k = await createCpuKernels();
    const logits = await k.createLogits(new Float32Array([2, 1, 0, -1]), 1, 4);
    const row = { config: { top_k: 2 }, seed: 0, step: 0 };
    const res = await k.step(logits, { rows: [{ ...row, choose: 'force', forceToken: 1 }] });
    const c = res.rows[0].choice!;
    const z = Math.exp(2) + Math.exp(1) + 1 + Math.exp(-1);
    expect(c.token).toBe(1);
    expect(c.rawRank).toBe(1);
    expect(c.rawProb).toBeCloseTo(Math.exp(1) / z, 12);
    expect(c.processedProb).toBeCloseTo(Math.exp(1) / (Math.exp(2) + Math.exp(1)), 12);
    const cut = await k.step(logits, { rows: [{ ...row, choose: 'force', forceToken: 3 }] });
    expect(cut.rows[0].choice).toMatchObject({ token: 3, rawRank: 3, processedProb: 0 });
  });

  it('rejects a missing or out-of-range token', async () => {
    const k = await createCpuKernels();
    const logits = await k.createLogits(new Float32Array([0, 0]), 1, 2);
    for (const forceToken of [undefined, -1, 2, 0.5]) {
      await expect(k.step(logits, { rows: [{ config: {}, choose: 'force', forceToken, seed: 0, step: 0 }] })).rejects.toThrow(/forceToken/);
    }
  });
});
