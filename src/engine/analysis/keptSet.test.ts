import { describe, expect, it } from 'vitest';
import { keptSetCounts, temperatureGrid } from './keptSet.ts';

/** Probabilities -> logits (log), so softmax at T = 1 gives them back. */
const logitsOf = (probs: number[]) => probs.map(Math.log);

describe('kept-set counts', () => {
  const probs = [0.5, 0.2, 0.15, 0.1, 0.05];
  const logits = logitsOf(probs);

  it('top-p at T = 1 keeps tokens while the mass above them is below p', () => {
    const at = (p: number) => keptSetCounts(logits, [1], { topP: p, minP: 0, nSigma: 1 })[0].topP;
    expect(at(0)).toBe(1); // the top token always stays
    expect(at(0.5)).toBe(1); // mass above the 2nd token is 0.5, not < 0.5
    expect(at(0.6)).toBe(2);
    expect(at(0.85)).toBe(3);
    expect(at(0.9)).toBe(4);
    expect(at(1)).toBe(5);
  });

  it('min-p at T = 1 keeps probabilities >= min_p * top, and more as T rises', () => {
    const [t1, t3] = keptSetCounts(logits, [1, 3], { topP: 1, minP: 0.3, nSigma: 1 });
    expect(t1.minP).toBe(3); // 0.15 >= 0.3 * 0.5, 0.1 is not
    expect(t3.minP).toBeGreaterThan(t1.minP);
    expect(keptSetCounts(logits, [1], { topP: 1, minP: 0, nSigma: 1 })[0].minP).toBe(5);
  });

  it('top-n-sigma keeps logit >= max - n * sigma whatever the temperature', () => {
    const l = [10, 9, 8, 0, 0, 0, 0, 0, -Infinity];
    const mean = 27 / 8;
    const sigma = Math.sqrt((6.625 ** 2 + 5.625 ** 2 + 4.625 ** 2 + 5 * mean ** 2) / 8);
    const points = keptSetCounts(l, temperatureGrid(0.1, 3, 30), { topP: 0.9, minP: 0.1, nSigma: 1 });
    expect(10 - sigma).toBeGreaterThan(0);
    expect(10 - sigma).toBeLessThan(8);
    expect(new Set(points.map((p) => p.nSigma))).toEqual(new Set([3]));
    // top-p grows with T on the same logits
    expect(points[points.length - 1].topP).toBeGreaterThan(points[0].topP);
  });

  it('rejects a non-positive temperature and an all -inf row', () => {
    expect(() => keptSetCounts(logits, [0], { topP: 1, minP: 0, nSigma: 1 })).toThrow(RangeError);
    expect(() => keptSetCounts([-Infinity], [1], { topP: 1, minP: 0, nSigma: 1 })).toThrow(RangeError);
  });

  it('grid runs from 0.1 to 3', () => {
    const g = temperatureGrid();
    expect(g[0]).toBe(0.1);
    expect(g[g.length - 1]).toBe(3);
  });
});
