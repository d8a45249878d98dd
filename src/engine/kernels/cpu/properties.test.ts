import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProcessorConfig } from '../types.ts';
import { CpuKernels } from './cpu-kernels.ts';
import { retain, retainAboveLogCut, type RowState } from './row.ts';
import { kthLargest, kthLargestScore, topIds } from './select.ts';
import { rowStats } from './stats.ts';
import { verifyChainWithUniforms } from './speculative.ts';

const kernels = new CpuKernels();

const logit = fc.oneof(
  { weight: 20, arbitrary: fc.double({ min: -30, max: 30, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(-Infinity, NaN, 0, 1e30, -1e30) },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: 3 }) }, // creates ties
);

const config: fc.Arbitrary<ProcessorConfig> = fc.record(
  {
    repetition_penalty: fc.double({ min: 0.5, max: 3, noNaN: true }),
    temperature: fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 5, noNaN: true })),
    dynatemp_range: fc.double({ min: 0, max: 1, noNaN: true }),
    top_k: fc.integer({ min: 0, max: 80 }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    min_p: fc.double({ min: 0, max: 1, noNaN: true }),
    typical_p: fc.double({ min: 0, max: 1, noNaN: true }),
    epsilon_cutoff: fc.double({ min: 0, max: 0.5, noNaN: true }),
    eta_cutoff: fc.double({ min: 0, max: 0.5, noNaN: true }),
  },
  { requiredKeys: [] },
);

describe('selection helpers (properties)', () => {
  it('kthLargest equals the sorted k-th value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 300 }), fc.nat(), (xs, kk) => {
        const k = (kk % xs.length) + 1;
        const sorted = [...xs].sort((a, b) => b - a);
        expect(kthLargest(Float64Array.from(xs), xs.length, k)).toBe(sorted[k - 1]);
      }),
    );
  });

  it('topIds equals a full sort by (score desc, id asc)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 64 }), (xs, k) => {
        const ids = xs.map((_, i) => i);
        const want = [...ids].sort((a, b) => xs[b] - xs[a] || a - b).slice(0, k);
        expect(topIds(ids, ids.length, k, xs)).toEqual(want);
      }),
    );
  });

  it('topIds over an ascending subset of candidates (as after a truncation) equals a full sort of that subset', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.boolean()), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 64 }), (cells, k) => {
        const xs = cells.map(([x]) => x);
        const ids = Int32Array.from(cells.flatMap(([, keep], i) => (keep ? [i] : [])));
        const want = [...ids].sort((a, b) => xs[b] - xs[a] || a - b).slice(0, k);
        expect(topIds(ids, ids.length, k, Float64Array.from(xs))).toEqual(want);
      }),
    );
  });
});

describe('one-pass helpers agree with their direct definitions (properties)', () => {
  const rowOf = (xs: number[]): RowState => {
    const ids = xs.map((_, i) => i).filter((i) => Number.isFinite(xs[i]));
    return { vocab: xs.length, s: Float64Array.from(xs), idx: Int32Array.from(ids), n: ids.length };
  };

  it('kthLargestScore (heap for small k, quickselect otherwise) equals the sorted k-th candidate score', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 400 }), fc.nat(), (xs, kk) => {
        const st = rowOf(xs);
        const k = (kk % st.n) + 1;
        const sorted = Array.from(st.idx, (i) => xs[i]).sort((a, b) => b - a);
        expect(kthLargestScore(st.s, st.idx, st.n, k)).toBe(sorted[k - 1]);
      }),
    );
  });

  it('retainAboveLogCut keeps exactly what the exact probability test keeps (cuts near the scores included)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -40, max: 10, noNaN: true }), fc.constant(-Infinity)), { minLength: 1, maxLength: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (xs, cutIn, pick) => {
        const a = rowOf(xs);
        if (a.n === 0) return;
        let max = -Infinity;
        for (let j = 0; j < a.n; j++) max = Math.max(max, a.s[a.idx[j]]);
        // Half the time put the cut exactly on a token's probability, where rounding decides.
        const on = a.s[a.idx[pick % a.n]] - max;
        const cut = pick % 2 ? Math.exp(on) : cutIn;
        const exact = (st: RowState) => (id: number) => Math.exp(st.s[id] - max) >= cut;
        const b = rowOf(xs);
        retainAboveLogCut(a, max, Math.log(cut), exact(a));
        retain(b, (id) => b.s[id] === max || exact(b)(id));
        expect(Array.from(a.idx.subarray(0, a.n))).toEqual(Array.from(b.idx.subarray(0, b.n)));
        expect(Array.from(a.s)).toEqual(Array.from(b.s));
      }),
    );
  });

  it('rowStats gives the softmax normalizer, entropy and varentropy of the direct formulas', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -30, max: 30, noNaN: true }), fc.constant(-Infinity)), { minLength: 1, maxLength: 200 }), (xs) => {
        const st = rowOf(xs);
        if (st.n === 0) return;
        const vals = Array.from(st.idx.subarray(0, st.n), (i) => xs[i]);
        const max = Math.max(...vals);
        const z = vals.reduce((a, v) => a + Math.exp(v - max), 0);
        const lps = vals.map((v) => v - max - Math.log(z));
        const h = -lps.reduce((a, lp) => a + Math.exp(lp) * lp, 0);
        const varentropy = lps.reduce((a, lp) => a + Math.exp(lp) * (lp + h) ** 2, 0);
        const got = rowStats(st, max);
        expect(got.norm.max).toBe(max);
        expect(got.norm.z).toBeCloseTo(z, 10);
        expect(got.entropy).toBeCloseTo(Math.max(0, h), 10);
        expect(got.varentropy).toBeCloseTo(varentropy, 10);
      }),
    );
  });
});

describe('processed distributions (properties)', () => {
  it('are valid distributions; stages only shrink the support; the chosen token is kept', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(logit, { minLength: 1, maxLength: 120 }),
        config,
        fc.array(fc.nat({ max: 130 }), { maxLength: 10 }),
        fc.nat(),
        async (xs, cfg, ctx, seed) => {
          const data = Float64Array.from(xs);
          const l = await kernels.createLogits(data, 1, data.length);
          const res = await kernels.step(l, { rows: [{ config: cfg, contextIds: ctx, seed, step: 1 }], keepProcessed: true, topK: 64 });
          const probs = await kernels.readProbs({ probs: res.processed!, row: 0 });
          const row = res.rows[0];
          let sum = 0;
          for (const p of probs) {
            expect(p >= 0 && p <= 1).toBe(true);
            sum += p;
          }
          expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
          let prev = Infinity;
          for (const s of row.stages) {
            expect(s.kept).toBeGreaterThanOrEqual(1);
            expect(s.kept).toBeLessThanOrEqual(prev);
            expect(s.removedMass >= 0 && s.removedMass <= 1).toBe(true);
            prev = s.kept;
          }
          const support = probs.filter((p) => p > 0).length;
          // Kept tokens may underflow to probability 0 (e.g. 1e30-scale logits at a small T).
          if (row.stages.length) expect(support).toBeLessThanOrEqual(row.stages[row.stages.length - 1].kept);
          expect(probs[row.choice!.token]).toBeGreaterThan(0);
          expect(row.choice!.processedProb).toBeCloseTo(probs[row.choice!.token], 12);
          for (let j = 1; j < row.processedTop.probs.length; j++) {
            expect(row.processedTop.probs[j]).toBeLessThanOrEqual(row.processedTop.probs[j - 1]);
          }
          expect(Number.isFinite(row.entropy) && Number.isFinite(row.varentropy)).toBe(true);
          kernels.dispose(res.processed!);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('top-p keeps the smallest descending prefix holding mass >= p', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 2, maxLength: 200 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), async (xs, p) => {
        const data = Float64Array.from(xs);
        const l = await kernels.createLogits(data, 1, data.length);
        const ref = await kernels.step(l, { rows: [{ config: {}, choose: 'none', seed: 0, step: 0 }], keepProcessed: true });
        const raw = await kernels.readProbs({ probs: ref.processed!, row: 0 });
        const res = await kernels.step(l, { rows: [{ config: { top_p: p }, choose: 'none', seed: 0, step: 0 }], keepProcessed: true });
        const out = await kernels.readProbs({ probs: res.processed!, row: 0 });
        // Ordered by logit like HF (a finer order than the rounded probabilities), ties by id.
        const order = Array.from(raw, (_, i) => i).sort((a, b) => xs[b] - xs[a] || a - b);
        const keptIds = order.filter((i) => out[i] > 0);
        // Kept set is a prefix of the descending order.
        expect(keptIds).toEqual(order.slice(0, keptIds.length));
        const keptMass = keptIds.reduce((a, i) => a + raw[i], 0);
        const withoutLast = keptMass - raw[keptIds[keptIds.length - 1]];
        // Loose by 1e-12 for summation order.
        expect(keptMass >= p - 1e-12 || keptIds.length === raw.length).toBe(true);
        expect(withoutLast < p + 1e-12).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a seed reproduces the choice and greedy never depends on it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(logit, { minLength: 1, maxLength: 60 }), config, fc.nat(), fc.nat(), async (xs, cfg, s1, s2) => {
        const l = await kernels.createLogits(Float64Array.from(xs), 1, xs.length);
        const pick = async (seed: number, choose: 'sample' | 'greedy') =>
          (await kernels.step(l, { rows: [{ config: cfg, choose, seed, step: 4 }] })).rows[0].choice!.token;
        expect(await pick(s1, 'sample')).toBe(await pick(s1, 'sample'));
        expect(await pick(s1, 'greedy')).toBe(await pick(s2, 'greedy'));
      }),
      { numRuns: 200 },
    );
  });
});

describe('chain verification (properties)', () => {
  const dist = (V: number) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: V, maxLength: V }).map((w) => {
      const s = w.reduce((a, b) => a + b, 0);
      return s > 0 ? w.map((x) => x / s) : w.map(() => 1 / V);
    });
  it('accepted <= K, the next distribution is normalized, and every accepted draft passed its test', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }).chain((V) =>
          fc.integer({ min: 0, max: 5 }).chain((K) =>
            fc.record({
              p: fc.array(dist(V), { minLength: K + 1, maxLength: K + 1 }),
              q: fc.array(dist(V), { minLength: K, maxLength: K }),
              x: fc.array(fc.nat({ max: V - 1 }), { minLength: K, maxLength: K }),
              u: fc.array(fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }), { minLength: K, maxLength: K }),
            }),
          ),
        ),
        ({ p, q, x, u }) => {
          const out = verifyChainWithUniforms(p, q, x, u);
          expect(out.accepted).toBeGreaterThanOrEqual(0);
          expect(out.accepted).toBeLessThanOrEqual(x.length);
          const s = out.nextDistribution.reduce((a, b) => a + b, 0);
          expect(Math.abs(s - 1)).toBeLessThan(1e-9);
          for (let i = 0; i < out.accepted; i++) expect(u[i] < Math.min(1, q[i][x[i]] > 0 ? p[i][x[i]] / q[i][x[i]] : 1)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
