import { describe, expect, it } from 'vitest';
import { acceptedLengthHistogram, predictedLengths } from './acceptedLength.ts';

describe('accepted-length distribution', () => {
  it('is geometric-like from the per-position rates, the last bucket taking the rest', () => {
    const p = predictedLengths([0.8, 0.5, 0.25]);
    expect(p[0]).toBeCloseTo(0.2, 12);
    expect(p[1]).toBeCloseTo(0.8 * 0.5, 12);
    expect(p[2]).toBeCloseTo(0.8 * 0.5 * 0.75, 12);
    expect(p[3]).toBeCloseTo(0.8 * 0.5 * 0.25, 12);
    expect(p.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 12);
  });

  it('counts measured lengths and scales the prediction by the number of steps', () => {
    const h = acceptedLengthHistogram([0, 1, 1, 2, 2, 2], [5 / 6, 4 / 5]);
    expect(h.map((b) => b.length)).toEqual([0, 1, 2]);
    expect(h.map((b) => b.measured)).toEqual([1, 2, 3]);
    expect(h[0].predicted).toBeCloseTo(1, 12);
    expect(h[1].predicted).toBeCloseTo(6 * (5 / 6) * (1 / 5), 12);
    expect(h[2].predicted).toBeCloseTo(6 * (5 / 6) * (4 / 5), 12);
    expect(acceptedLengthHistogram([], [])).toEqual([{ length: 0, measured: 0, predicted: 0, probability: 1 }]);
  });
});
