import { describe, expect, it } from 'vitest';
import { gumbel, hashKey, normalizeSeed, Purpose, purposeWord, uniform } from './rng.ts';
import { chiSquare, chiSquareCritical001, softmax } from '../../tests/support/kernels.ts';

// Every statistical check uses alpha = 0.001 with fixed seeds, so results are deterministic; the
// alpha states how unlikely a good generator would be to fail the check.

/** The PCG hash recomputed with BigInt (independent of Math.imul) to cross-check the u32 arithmetic. */
function pcgBig(v: number): number {
  const M = 0xffffffffn;
  const state = (BigInt(v >>> 0) * 747796405n + 2891336453n) & M;
  const shifted = state >> ((state >> 28n) + 4n);
  const word = (((shifted ^ state) & M) * 277803737n) & M;
  return Number((word >> 22n) ^ word);
}
function hashBig(seed: number, step: number, purpose: number, index: number): number {
  let h = pcgBig(seed);
  h = pcgBig((h ^ step) >>> 0);
  h = pcgBig((h ^ purpose) >>> 0);
  return pcgBig((h ^ index) >>> 0);
}

describe('rng: reproducibility and exact values', () => {
  it('is a pure function of the key', () => {
    for (let i = 0; i < 1000; i++) {
      expect(uniform(5, i, 1, i * 7)).toBe(uniform(5, i, 1, i * 7));
      expect(gumbel(5, i, 1, i)).toBe(gumbel(5, i, 1, i));
    }
  });

  it('matches pinned values (shaders/rng.wgsl mirrors these bit for bit)', () => {
    expect(hashKey(0, 0, 0, 0)).toBe(2368882721);
    expect(hashKey(1, 2, 3, 4)).toBe(1693730102);
    expect(hashKey(0xffffffff, 123456, purposeWord('sample', 7), 262143)).toBe(2362319923);
    expect(uniform(42, 7, purposeWord('accept'), 3)).toBe(0.9536795020103455);
    expect(gumbel(42, 7, purposeWord('sample'), 100)).toBeCloseTo(2.26201162326996, 12);
  });

  it('agrees with an independent BigInt implementation of the hash', () => {
    for (let k = 0; k < 2000; k++) {
      const key = [k * 2654435761, k, (k * 40503) & 0xffff, k * 97 + 13].map((v) => v >>> 0) as [number, number, number, number];
      expect(hashKey(...key)).toBe(hashBig(...key));
    }
  });

  it('uniforms lie strictly inside (0, 1) and are exact f32 values', () => {
    for (let i = 0; i < 5000; i++) {
      const u = uniform(3, 1, 2, i);
      expect(u > 0 && u < 1).toBe(true);
      expect(Math.fround(u)).toBe(u);
    }
  });

  it('purpose words pack sub-streams and reject out-of-range subs', () => {
    expect(purposeWord('sample')).toBe(Purpose.sample);
    expect(purposeWord('accept', 3)).toBe((3 << 8) | Purpose.accept);
    expect(purposeWord('bonus', (1 << 24) - 1) >>> 8).toBe((1 << 24) - 1);
    expect(() => purposeWord('sample', 1 << 24)).toThrow(RangeError);
    expect(() => purposeWord('sample', -1)).toThrow(RangeError);
    expect(() => purposeWord('sample', 1.5)).toThrow(RangeError);
    const words = new Set(Object.keys(Purpose).map((p) => purposeWord(p as keyof typeof Purpose)));
    expect(words.size).toBe(Object.keys(Purpose).length);
  });

  it('normalizes seeds', () => {
    expect(normalizeSeed(NaN)).toBe(0);
    expect(normalizeSeed(Infinity)).toBe(0);
    expect(normalizeSeed(-1)).toBe(0xffffffff);
    expect(normalizeSeed(2 ** 32 + 5)).toBe(5);
    expect(normalizeSeed(7.9)).toBe(7);
  });
});

describe('rng: distribution (chi-square, alpha 0.001)', () => {
  it.each([
    [1, Purpose.sample],
    [123456789, purposeWord('accept', 2)],
    [0, purposeWord('residual')],
  ])('uniform() over 100 bins is flat (seed %i, purpose %i)', (seed, purpose) => {
    const bins = new Array(100).fill(0);
    const N = 200000;
    for (let i = 0; i < N; i++) bins[Math.floor(uniform(seed, 17, purpose, i) * 100)]++;
    expect(chiSquare(bins, new Array(100).fill(0.01))).toBeLessThan(chiSquareCritical001(99));
  });

  it('uniform() is flat along the step axis too (one index, many steps)', () => {
    const bins = new Array(50).fill(0);
    for (let s = 0; s < 100000; s++) bins[Math.floor(uniform(99, s, 1, 0) * 50)]++;
    expect(chiSquare(bins, new Array(50).fill(0.02))).toBeLessThan(chiSquareCritical001(49));
  });

  it('gumbel() has mean Euler-gamma and variance pi^2/6', () => {
    const N = 200000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const g = gumbel(11, 0, 1, i);
      s += g;
      s2 += g * g;
    }
    const mean = s / N;
    const variance = s2 / N - mean * mean;
    // Standard errors: sqrt(pi^2/6 / N) ~ 0.0029 for the mean; the variance is looser.
    expect(Math.abs(mean - 0.5772156649)).toBeLessThan(0.0029 * 4);
    expect(Math.abs(variance - Math.PI ** 2 / 6)).toBeLessThan(0.05);
  });
});

describe('rng: independence of keys (2-D chi-square on 10x10 bins, alpha 0.001)', () => {
  type Key = [number, number, number, number];
  const neighbours: [string, (i: number) => [Key, Key]][] = [
    ['adjacent indices', (i) => [[7, 3, 1, i], [7, 3, 1, i + 1]]],
    ['adjacent steps', (i) => [[7, i, 1, 0], [7, i + 1, 1, 0]]],
    ['adjacent seeds', (i) => [[i, 3, 1, 5], [i + 1, 3, 1, 5]]],
    ['different purposes', (i) => [[7, 3, Purpose.sample, i], [7, 3, Purpose.accept, i]]],
    ['different sub-streams', (i) => [[7, 3, purposeWord('sample', 1), i], [7, 3, purposeWord('sample', 2), i]]],
  ];
  it.each(neighbours)('%s look independent', (_name, pair) => {
    const N = 100000;
    const bins = new Array(100).fill(0);
    let sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < N; i++) {
      const [a, b] = pair(i);
      const x = uniform(...a);
      const y = uniform(...b);
      bins[Math.floor(x * 10) * 10 + Math.floor(y * 10)]++;
      sx += x; sy += y; sxy += x * y; sxx += x * x; syy += y * y;
    }
    expect(chiSquare(bins, new Array(100).fill(0.01))).toBeLessThan(chiSquareCritical001(99));
    const r = (sxy / N - (sx / N) * (sy / N)) / Math.sqrt((sxx / N - (sx / N) ** 2) * (syy / N - (sy / N) ** 2));
    expect(Math.abs(r)).toBeLessThan(3.29 / Math.sqrt(N)); // two-sided alpha 0.001
  });
});

describe('rng: Gumbel-max sampling matches softmax (chi-square, alpha 0.001)', () => {
  const logits = [2, 1, 0.5, 0, -1, -3];
  const probs = softmax(logits);
  it.each([1, 2, 3, 0xdeadbeef])('seed %i', (seed) => {
    const counts = new Array(logits.length).fill(0);
    const N = 30000;
    for (let step = 0; step < N; step++) {
      let best = 0;
      let bestKey = -Infinity;
      for (let i = 0; i < logits.length; i++) {
        const key = logits[i] + gumbel(seed, step, purposeWord('sample'), i);
        if (key > bestKey) {
          best = i;
          bestKey = key;
        }
      }
      counts[best]++;
    }
    expect(chiSquare(counts, probs)).toBeLessThan(chiSquareCritical001(logits.length - 1));
  });
});
