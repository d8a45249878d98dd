import { describe, expect, it } from 'vitest';
import type { ProbsHandle } from '../types.ts';
import { CpuKernels } from './cpu-kernels.ts';
import { residual, verifyChainWithUniforms } from './speculative.ts';
import { chiSquare, chiSquareCritical001, logitsOf } from '../../../../tests/support/kernels.ts';

const kernels = new CpuKernels();

const p0 = [0.4, 0.3, 0.1, 0.1, 0.05, 0.05];
const p1 = [0.05, 0.15, 0.5, 0.1, 0.1, 0.1];
const p2 = [0.2, 0.2, 0.2, 0.2, 0.1, 0.1];
const q0 = [0.1, 0.5, 0.2, 0.05, 0.1, 0.05];
const q1 = [0.3, 0.1, 0.3, 0.1, 0.1, 0.1];
const V = 6;

async function logits(rows: number[][]) {
  const data = new Float64Array(rows.length * V);
  rows.forEach((r, i) => data.set(logitsOf(r), i * V));
  return kernels.createLogits(data, rows.length, V);
}

describe('chain verification (kernels.verifyChain)', () => {
  it('is lossless: emitted tokens follow the target at positions 0 and 1 (chi-square, alpha 0.001)', async () => {
    const target = await logits([p0, p1, p2]);
    const draft = await logits([q0, q1]);
    const c0 = new Array(V).fill(0);
    const c1 = new Array(V).fill(0);
    const N = 20000;
    const seed = 31337;
    let acceptedTotal = 0;
    for (let step = 0; step < N; step++) {
      // Draft x_i ~ q_i with its own sub-streams; the verifier keys its draws by the same (seed, step).
      const d = await kernels.step(draft, {
        rows: [
          { config: {}, seed, step, sub: 1 },
          { config: {}, seed, step, sub: 2 },
        ],
        keepProcessed: true,
      });
      const x = d.rows.map((r) => r.choice!.token);
      const res = await kernels.verifyChain({
        target,
        q: [0, 1].map((row) => ({ probs: d.processed as ProbsHandle, row })),
        draftTokens: x,
        config: {},
        seed,
        step,
      });
      kernels.dispose(d.processed!);
      const emitted = [...x.slice(0, res.accepted), res.nextToken];
      c0[emitted[0]]++;
      if (emitted.length > 1) c1[emitted[1]]++;
      acceptedTotal += res.accepted;
    }
    expect(chiSquare(c0, p0)).toBeLessThan(chiSquareCritical001(V - 1));
    // Position 1 is emitted only after position 0's draft was accepted; p1 does not depend on the
    // prefix here, so its conditional distribution is still p1.
    expect(chiSquare(c1, p1)).toBeLessThan(chiSquareCritical001(V - 1));
    // Expected acceptance of the first draft: sum min(p, q).
    const alpha0 = p0.reduce((a, p, i) => a + Math.min(p, q0[i]), 0);
    expect(acceptedTotal / N).toBeGreaterThan(alpha0 * 0.9);
  });

  it('reports positions, the residual top-k at a rejection, and keeps the next distribution on request', async () => {
    const target = await logits([p0, p1, p2]);
    const draft = await logits([q0, q1]);
    const d = await kernels.step(draft, { rows: [0, 1].map(() => ({ config: {}, choose: 'none' as const, seed: 0, step: 0 })), keepProcessed: true });
    // Token 1: p/q = 0.3/0.5 = 0.6; u = 0.7 rejects it.
    const res = await kernels.verifyChain({
      target,
      q: [0, 1].map((row) => ({ probs: d.processed!, row })),
      draftTokens: [1, 2],
      config: {},
      seed: 1,
      step: 1,
      uniforms: [0.7, 0.1],
      keepNext: true,
      topK: 3,
    });
    expect(res.accepted).toBe(0);
    expect(res.nextKind).toBe('residual');
    expect(res.positions).toEqual([{ token: 1, p: expect.closeTo(0.3, 12), q: expect.closeTo(0.5, 12), u: 0.7, accepted: false }]);
    const r = residual(p0, q0)!;
    // Residual of p0 - q0 is [0.3, 0, 0, 0.05, 0, 0] / 0.35 (id 5 may keep a rounding-sized crumb).
    expect(res.residualTop!.ids.slice(0, 2)).toEqual([0, 3]);
    expect(res.residualTop!.probs[0]).toBeCloseTo(r[0], 12);
    expect(r[res.nextToken]).toBeGreaterThan(0);
    const next = await kernels.readProbs({ probs: res.next!, row: 0 });
    next.forEach((v, i) => expect(v).toBeCloseTo(r[i], 12));
    expect(res.targetStats).toHaveLength(1);
    expect(res.targetStats[0].entropy).toBeCloseTo(-p0.reduce((a, p) => a + p * Math.log(p), 0), 12);

    const all = await kernels.verifyChain({
      target,
      q: [0, 1].map((row) => ({ probs: d.processed!, row })),
      draftTokens: [0, 2],
      config: {},
      seed: 1,
      step: 1,
      uniforms: [0.1, 0.1],
    });
    expect(all.accepted).toBe(2);
    expect(all.nextKind).toBe('bonus');
    expect(all.residualTop).toBeUndefined();
    expect(all.targetStats).toHaveLength(3);
  });

  it('greedy (temperature 0) accepts while the argmax matches, then emits the argmax', async () => {
    const target = await logits([p0, p1, p2]);
    const draft = await logits([q0, q1]);
    const d = await kernels.step(draft, { rows: [0, 1].map(() => ({ config: { temperature: 0 }, choose: 'none' as const, seed: 0, step: 0 })), keepProcessed: true });
    const q = [0, 1].map((row) => ({ probs: d.processed!, row }));
    const run = (draftTokens: number[]) => kernels.verifyChain({ target, q, draftTokens, config: { temperature: 0 }, seed: 5, step: 5 });
    expect(await run([0, 2])).toMatchObject({ accepted: 2, nextToken: 0, nextKind: 'bonus' });
    expect(await run([0, 1])).toMatchObject({ accepted: 1, nextToken: 2, nextKind: 'residual' });
    expect(await run([3, 2])).toMatchObject({ accepted: 0, nextToken: 0 });
    expect((await run([0, 1])).positions.map((p) => p.accepted)).toEqual([true, false]);
  });

  it('applies the repetition penalty with the accepted drafts appended to the context', async () => {
    const target = await logits([p0, p0]);
    const draft = await logits([p0]);
    const d = await kernels.step(draft, { rows: [{ config: { temperature: 0 }, choose: 'none', seed: 0, step: 0 }], keepProcessed: true });
    // After drafting token 0, a huge penalty on it makes row 1 prefer token 1.
    const res = await kernels.verifyChain({
      target,
      q: [{ probs: d.processed!, row: 0 }],
      draftTokens: [0],
      config: { temperature: 0, repetition_penalty: 1e6 },
      contextIds: [5],
      seed: 0,
      step: 0,
    });
    expect(res).toMatchObject({ accepted: 1, nextToken: 1 });
  });

  it('validates shapes', async () => {
    const target = await logits([p0, p1]);
    await expect(kernels.verifyChain({ target, q: [], draftTokens: [1], config: {}, seed: 0, step: 0 })).rejects.toThrow(RangeError);
  });
});

describe('verifyChainWithUniforms (pure)', () => {
  it('accepts when p >= q regardless of u, uses the residual at a rejection, p_K when all pass', () => {
    expect(verifyChainWithUniforms([p0, p1], [q0], [0], [0.999]).accepted).toBe(1); // p0[0] = 0.4 >= q0[0] = 0.1
    const rej = verifyChainWithUniforms([p0, p1], [q0], [1], [0.61]);
    expect(rej.accepted).toBe(0);
    expect(Array.from(rej.nextDistribution)).toEqual(Array.from(residual(p0, q0)!));
    const ok = verifyChainWithUniforms([p0, p1], [q0], [1], [0.59]);
    expect(ok).toMatchObject({ accepted: 1, nextKind: 'bonus' });
    expect(Array.from(ok.nextDistribution)).toEqual(p1);
  });
  it('falls back to p when p == q (empty residual), and K = 0 is a plain bonus draw', () => {
    const same = verifyChainWithUniforms([p0, p1], [p0], [1], [0.9999999]);
    expect(same.accepted).toBe(1);
    expect(residual(p0, p0)).toBeNull();
    expect(verifyChainWithUniforms([p2], [], [], [])).toMatchObject({ accepted: 0, nextKind: 'bonus' });
  });
});
