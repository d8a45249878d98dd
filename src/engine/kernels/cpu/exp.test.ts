import { describe, expect, it } from 'vitest';
import { exp } from './exp.ts';

/** Distance in units in the last place between two positive doubles. */
function ulps(a: number, b: number): number {
  const v = new DataView(new ArrayBuffer(16));
  v.setFloat64(0, a);
  v.setFloat64(8, b);
  return Math.abs(Number(v.getBigInt64(0) - v.getBigInt64(8)));
}

describe('kernels exp', () => {
  it('is within 2 ulp of Math.exp over the range a row pass sees (and beyond)', () => {
    let worst = 0;
    let x = 0.1234567;
    for (let i = 0; i < 200_000; i++) {
      // a deterministic spread over [-720, 720], denser near 0 where the mass is
      x = (x * 9301 + 0.49297) % 1;
      const v = (i % 2 ? -1 : 1) * (i % 3 ? 720 * x : 30 * x * x);
      const u = ulps(exp(v), Math.exp(v));
      if (u > worst) worst = u;
    }
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('keeps exact and special values', () => {
    expect(exp(0)).toBe(1);
    expect(exp(-0)).toBe(1);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(NaN)).toBeNaN();
    expect(exp(-800)).toBe(0);
    expect(exp(710)).toBe(Infinity);
    expect(exp(1)).toBeCloseTo(Math.E, 15);
    // the reduction's boundaries: x a multiple of ln2/64, and halfway between two
    for (const k of [-65000, -64, -33, -1, 1, 32, 63, 64, 65000]) {
      for (const x of [(k * Math.LN2) / 64, ((k + 0.5) * Math.LN2) / 64]) expect(ulps(exp(x), Math.exp(x))).toBeLessThanOrEqual(2);
    }
  });
});
