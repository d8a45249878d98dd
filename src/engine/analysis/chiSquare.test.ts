import { describe, expect, it } from 'vitest';
import { chiSquareSf, countValues, gammaQ, homogeneityTest, logGamma, totalVariation } from './chiSquare.ts';

describe('chi-square survival function', () => {
  // Reference values from scipy.stats.chi2.sf.
  it.each([
    [3.84, 1, 0.05004352124870519],
    [10, 5, 0.07523524614651217],
    [1, 2, 0.6065306597126334],
    [20, 10, 0.029252688076961124],
    [100, 50, 3.454931382984871e-5],
    [0.5, 3, 0.9188914116546758],
    [200, 150, 0.003973185970821635],
    [0.01, 1, 0.920344325445942],
  ])('sf(%f, %i) = %f', (x, df, want) => {
    expect(chiSquareSf(x, df)).toBeCloseTo(want, 10);
    expect(Math.abs(chiSquareSf(x, df) / want - 1)).toBeLessThan(1e-9);
  });

  it('is 1 at 0, falls towards 0, and Q(1, x) = exp(-x)', () => {
    expect(chiSquareSf(0, 4)).toBe(1);
    expect(chiSquareSf(1e4, 4)).toBeLessThan(1e-300);
    for (const x of [0.1, 1, 2.5, 7, 30]) expect(gammaQ(1, x)).toBeCloseTo(Math.exp(-x), 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(() => chiSquareSf(1, 0)).toThrow(RangeError);
  });
});

describe('two-sample homogeneity test', () => {
  it('matches scipy chi2_contingency (no correction) when every bin is well filled', () => {
    const a = new Map([['x', 30], ['y', 20], ['z', 50]]);
    const b = new Map([['x', 25], ['y', 30], ['z', 45]]);
    const r = homogeneityTest(a, b);
    expect(r.statistic).toBeCloseTo(2.7177033492822966, 10);
    expect(r.df).toBe(2);
    expect(r.p).toBeCloseTo(0.2569556763201589, 10);
  });

  it('pools bins with expected counts below 5 into "other", rarest first', () => {
    const a = new Map([['x', 40], ['y', 40], ['r1', 2], ['r2', 1], ['r3', 3]]);
    const b = new Map([['x', 45], ['y', 35], ['r1', 1], ['r2', 4], ['r4', 2]]);
    const r = homogeneityTest(a, b);
    expect(r.bins.map((x) => x.key)).toEqual(['x', 'y', 'other']);
    expect(r.bins[2]).toEqual({ key: 'other', a: 6, b: 7 });
    expect(r.df).toBe(2);
    expect(r.nA + r.nB).toBe(173);
  });

  it('gives p = 1 when pooling leaves one bin, and a tiny p for clearly different samples', () => {
    expect(homogeneityTest(new Map([['x', 3], ['y', 1]]), new Map([['x', 2]])).p).toBe(1);
    const far = homogeneityTest(new Map([['x', 150], ['y', 50]]), new Map([['x', 50], ['y', 150]]));
    expect(far.p).toBeLessThan(1e-10);
  });
});

describe('total variation distance', () => {
  it('is half the L1 distance of the empirical distributions', () => {
    expect(totalVariation(countValues(['a', 'a', 'b', 'b']), countValues(['a', 'b', 'b', 'b']))).toBeCloseTo(0.25, 12);
    expect(totalVariation(countValues(['a']), countValues(['b']))).toBe(1);
    expect(totalVariation(countValues(['a', 'b']), countValues(['b', 'a']))).toBe(0);
  });
});
