import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { purposeWord, gumbel } from '../../rng.ts';
import { CpuKernels } from './cpu-kernels.ts';
import { weightedQuantile } from './select.ts';

// The CPU kernels avoid sorts (weighted quickselect, Gumbel pruning); these tests compare them with
// literal, sort-based transcriptions of the Hugging Face code on random inputs.

const kernels = new CpuKernels();

function softmax(x: number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** HF TopPLogitsWarper, literally: ascending sort, cumsum <= 1 - p removed, keep the last one. */
function naiveTopP(x: number[], p: number): number {
  const probs = softmax(x);
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b] || b - a); // ascending; ties: higher id first
  let cum = 0;
  let removed = 0;
  order.forEach((i, r) => {
    cum += probs[i];
    if (cum <= 1 - p && r < order.length - 1) removed++;
  });
  return x.length - removed;
}

/** HF TypicalLogitsWarper, literally. */
function naiveTypical(x: number[], mass: number): number {
  const probs = softmax(x);
  const lp = probs.map(Math.log);
  const h = -probs.reduce((a, p, i) => a + (p > 0 ? p * lp[i] : 0), 0);
  const d = lp.map((l) => Math.abs(-l - h));
  const order = x.map((_, i) => i).sort((a, b) => d[a] - d[b] || a - b);
  let cum = 0;
  let last = 0;
  for (const i of order) {
    cum += probs[i];
    if (cum < mass) last++;
  }
  last = Math.min(last, x.length - 1);
  const t = d[order[last]];
  return d.filter((v, i) => v <= t || i === order[0]).length;
}

async function keptBy(x: number[], config: object): Promise<number> {
  const l = await kernels.createLogits(Float64Array.from(x), 1, x.length);
  const res = await kernels.step(l, { rows: [{ config, choose: 'none', seed: 0, step: 0 }] });
  return res.rows[0].stages[0].kept;
}

// Random logits on grids: exact ties or well-separated values. (Values a few ulps apart can order
// differently under two equally valid roundings; that is not a semantic difference.)
const logits = fc.oneof(
  fc.array(fc.integer({ min: -6000, max: 6000 }).map((v) => v / 1000), { minLength: 1, maxLength: 300 }),
  fc.array(fc.integer({ min: -4, max: 4 }).map((v) => v / 2), { minLength: 1, maxLength: 300 }),
);

describe('sort-free processors agree with sort-based HF transcriptions', () => {
  it('top-p', async () => {
    await fc.assert(
      fc.asyncProperty(logits, fc.double({ min: 0.001, max: 0.999, noNaN: true }), async (x, p) => {
        expect(await keptBy(x, { top_p: p })).toBe(naiveTopP(x, p));
      }),
      { numRuns: 500 },
    );
  });

  it('typical-p', async () => {
    await fc.assert(
      fc.asyncProperty(logits, fc.double({ min: 0.001, max: 0.999, noNaN: true }), async (x, m) => {
        expect(await keptBy(x, { typical_p: m })).toBe(naiveTypical(x, m));
      }),
      { numRuns: 500 },
    );
  });

  it('weightedQuantile matches a sorted walk', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -10, max: 10 }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 400 }),
        (pairs, target) => {
          const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
          let cum = 0;
          let want: { value: number; below: number } | null = null;
          for (let i = 0; i < sorted.length && !want; i++) {
            const v = sorted[i][0];
            const below = cum;
            let j = i;
            let w = 0;
            while (j < sorted.length && sorted[j][0] === v) w += sorted[j++][1];
            if (below + w >= target) want = { value: v, below };
            cum += w;
            i = j - 1;
          }
          const got = weightedQuantile(Float64Array.from(pairs, (p) => p[0]), Float64Array.from(pairs, (p) => p[1]), pairs.length, target);
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('pruned Gumbel-max picks exactly the token of the full argmax', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -40, max: 10, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.nat(),
        async (x, seed, step) => {
          const probs = softmax(x);
          let best = -1;
          let bestKey = -Infinity;
          probs.forEach((p, i) => {
            if (!(p > 0)) return;
            const key = Math.log(p) + gumbel(seed, step, purposeWord('sample'), i);
            if (key > bestKey) {
              best = i;
              bestKey = key;
            }
          });
          const l = await kernels.createLogits(Float64Array.from(x), 1, x.length);
          const res = await kernels.step(l, { rows: [{ config: {}, seed, step }] });
          expect(res.rows[0].choice!.token).toBe(best);
        },
      ),
      { numRuns: 300 },
    );
  });
});
