import { describe, expect, it } from 'vitest';
import { breakEvenAlpha, expectedTokensPerStep, passCosts, predictedSpeedup, specPayoff } from './specPayoff.ts';

const closedForm = (a: number, g: number) => (a === 1 ? g + 1 : (1 - a ** (g + 1)) / (1 - a));

describe('speculative payoff', () => {
  it('expected tokens per step is (1 − α^(γ+1)) / (1 − α)', () => {
    for (const g of [1, 2, 4, 7]) for (const a of [0, 0.3, 0.5, 0.8, 0.99, 1]) expect(expectedTokensPerStep(a, g)).toBeCloseTo(closedForm(a, g), 12);
    expect(expectedTokensPerStep(0.5, 0)).toBe(1);
    expect(expectedTokensPerStep(0.8, 4)).toBeCloseTo(3.3616, 10); // 1 + .8 + .64 + .512 + .4096
  });

  it('predicted speedup = E / (1 + γc): known values', () => {
    // Leviathan et al., α = 0.8, γ = 4, c = 0.05: 3.3616 / 1.2
    expect(predictedSpeedup(0.8, 4, 0.05)).toBeCloseTo(2.80133, 4);
    expect(predictedSpeedup(0, 3, 0.1)).toBeCloseTo(1 / 1.3, 12);
    expect(predictedSpeedup(1, 3, 0)).toBe(4);
  });

  it('break-even α solves predicted speedup = 1', () => {
    for (const g of [1, 2, 4, 6]) {
      for (const c of [0.01, 0.1, 0.3, 0.7, 1]) {
        const a = breakEvenAlpha(g, c);
        expect(a).toBeGreaterThan(0);
        expect(a).toBeLessThanOrEqual(1);
        expect(predictedSpeedup(a, g, c)).toBeCloseTo(1, 9);
        if (a < 0.999) expect(predictedSpeedup(a + 0.01, g, c)).toBeGreaterThan(1);
        expect(predictedSpeedup(a - 0.01, g, c)).toBeLessThan(1);
      }
    }
    // γ = 1: 1 + α = 1 + c, so α* = c
    expect(breakEvenAlpha(1, 0.37)).toBeCloseTo(0.37, 12);
    // γ = 2: α + α² = 2c → α* = (−1 + √(1 + 8c)) / 2
    expect(breakEvenAlpha(2, 0.3)).toBeCloseTo((-1 + Math.sqrt(1 + 8 * 0.3)) / 2, 12);
  });

  it('break-even edge cases: free drafter, too costly a drafter, nothing drafted', () => {
    expect(breakEvenAlpha(4, 0)).toBe(0);
    expect(breakEvenAlpha(4, 1.5)).toBe(Infinity);
    expect(breakEvenAlpha(0, 0.2)).toBeNaN();
  });

  const stats = { tokensEmitted: 64, targetForwards: 20, draftForwards: 80, wallMs: 400, timing: { modelMs: 140, kernelsMs: 200, otherMs: 60, targetModelMs: 60, draftModelMs: 80, draftKernelsMs: 40 } };

  it('mean pass times and the cost ratio come from the run\'s forward time and counts', () => {
    expect(passCosts(stats, false)).toEqual({ target: 3, draft: 1 });
    expect(passCosts({ ...stats, draftForwards: 0, timing: { ...stats.timing, draftModelMs: 0 } }, false).draft).toBe(0);
    // with kernels: the target's rows took 200 - 40 ms over 20 passes, the draft's 40 ms over 80
    expect(passCosts(stats, true)).toEqual({ target: 11, draft: 1.5 });
    const p = specPayoff(stats, 0.6, 4);
    expect(p.costRatio).toBeCloseTo(1 / 3, 12);
    expect(p.predicted).toBeCloseTo(closedForm(0.6, 4) / (1 + 4 / 3), 12);
    // 64 tokens × 3 ms per target pass = 192 ms of plain decoding against 400 ms of this run
    expect(p.baselineMs).toBe(192);
    expect(p.measured).toBeCloseTo(0.48, 12);
    expect(predictedSpeedup(p.breakEven, 4, p.costRatio)).toBeCloseTo(1, 9);
    expect(p.curve[0]).toEqual({ alpha: 0, speedup: 1 / (1 + 4 / 3) });
    expect(p.curve.at(-1)!.speedup).toBeCloseTo(5 / (1 + 4 / 3), 12);
  });
});
