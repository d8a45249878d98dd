import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProcessorConfig, StageStat } from '../types.ts';
import { runChain } from './chain.ts';
import { processRow } from './pipeline.ts';
import { buildChain, type RowContext } from './processors/index.ts';
import { RowBuffers } from './row.ts';
import { loadRow } from './sanitize.ts';
import { TopHeap } from './select.ts';
import { rowStats } from './stats.ts';
import { rawStatsTempered, temperedTopKPlan } from './tempered-top-k.ts';

/** The stages one by one, as every other chain runs (the reference for the fused path). */
function stageByStage(data: Float32Array, config: ProcessorConfig) {
  const { row: st, max } = loadRow(data, 0, data.length);
  st.exps = new Float64Array(data.length);
  const { norm: rawNorm, entropy, varentropy } = rowStats(st, max);
  const stages: StageStat[] = [];
  const ctx: RowContext = { temperature: config.temperature ?? 1 };
  const norm = runChain(st, buildChain(config), ctx, stages, rawNorm);
  return { st, norm, rawNorm, entropy, varentropy, stages, temperature: ctx.temperature };
}

function same(data: Float32Array, config: ProcessorConfig): void {
  const ref = stageByStage(data, config);
  const row = processRow(data, 0, data.length, config, undefined, 10, { buffers: new RowBuffers() });
  expect(row.st.n).toBe(ref.st.n);
  expect(Array.from(row.st.idx.subarray(0, row.st.n))).toEqual(Array.from(ref.st.idx.subarray(0, ref.st.n)));
  // Bit for bit: every score (removed ones -inf), the survivors' exp terms and every figure.
  expect(row.st.s).toEqual(ref.st.s);
  for (let j = 0; j < row.st.n; j++) expect(row.st.exps![row.st.idx[j]]).toBe(ref.st.exps![ref.st.idx[j]]);
  expect(row.st.expMax).toBe(ref.st.expMax);
  expect(row.norm).toEqual(ref.norm);
  expect(row.rawNorm).toEqual(ref.rawNorm);
  expect(row.stats.entropy).toBe(ref.entropy);
  expect(row.stats.varentropy).toBe(ref.varentropy);
  expect(row.stats.stages).toEqual(ref.stages);
  expect(row.stats.temperature).toBe(ref.temperature);
}

const realRow = (vocab: number) => fc.array(fc.float({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true }), { minLength: vocab, maxLength: vocab });

describe('temperature then top-k, fused (tempered-top-k.ts)', () => {
  it('leaves the row, the normalizers and the stage records bit for bit as the stages one by one', () => {
    fc.assert(
      fc.property(
        realRow(400),
        fc.oneof(fc.double({ min: 0.05, max: 4, noNaN: true }), fc.constantFrom(1e-3, 1e-300, 0.8)),
        fc.integer({ min: 10, max: 25 }),
        fc.option(fc.double({ min: 0.1, max: 1, noNaN: true }), { nil: undefined }),
        (xs, T, k, top_p) => same(Float32Array.from(xs), { temperature: T, top_k: k, top_p }),
      ),
      { numRuns: 150 },
    );
  });

  it('takes the shortcut on a row without ties, and declines exactly where it would not be exact', () => {
    const plan = temperedTopKPlan(buildChain({ temperature: 0.7, top_k: 20 }), 10, 400)!;
    expect(plan).toEqual({ T: 0.7, inv: 1 / 0.7, k: 20 });
    const attempt = (data: Float32Array) => {
      const top = new TopHeap().reset(plan.k);
      const { row, max } = loadRow(data, 0, data.length, undefined, undefined, top);
      return rawStatsTempered(row, max, plan, top);
    };
    const distinct = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898) * 10);
    expect(attempt(distinct)).toBeDefined();
    same(distinct, { temperature: 0.7, top_k: 20 });
    // A tie at the 20th score: top-k keeps both, more than the heap holds.
    const sorted = [...distinct].sort((a, b) => b - a);
    const tie = distinct.slice();
    tie[distinct.indexOf(sorted[20])] = sorted[19];
    expect(attempt(tie)).toBeUndefined();
    same(tie, { temperature: 0.7, top_k: 20 });
    // A NaN (sanitized to -inf: not every token is a candidate) and fewer candidates than k.
    const nan = distinct.slice();
    nan[7] = NaN;
    expect(attempt(nan)).toBeUndefined();
    same(nan, { temperature: 0.7, top_k: 20 });
    expect(attempt(distinct.slice(0, 15))).toBeUndefined();
  });

  it('ties that rounding makes (distinct raw scores, equal tempered ones) are all kept, as the stages do', () => {
    // s - max rounds to the same f64 for every token far below a max of 1e20: the raw top-12 is
    // well defined, but every tempered score but the max's is the same, so top-k keeps them all.
    const data = Float32Array.from({ length: 200 }, (_, i) => -i / 7);
    data[0] = 1e20;
    const config = { temperature: 0.5, top_k: 12 };
    same(data, config);
    expect(processRow(data, 0, 200, config, undefined, 10).st.n).toBe(200);
  });

  it('is not planned for dynatemp, T = 0, a top-k not right after temperature, or a k the heap keeps poorly', () => {
    expect(temperedTopKPlan(buildChain({ temperature: 0.7, dynatemp_range: 0.2, top_k: 20 }), 10, 4096)).toBeUndefined();
    expect(temperedTopKPlan(buildChain({ temperature: 0, top_k: 20 }), 10, 4096)).toBeUndefined();
    expect(temperedTopKPlan(buildChain({ temperature: 0.7, top_k: 20, sampler_order: 'llamacpp' }), 10, 4096)).toBeUndefined();
    expect(temperedTopKPlan(buildChain({ temperature: 0.7, top_k: 300 }), 10, 4096)).toBeUndefined();
    expect(temperedTopKPlan(buildChain({ temperature: 0.7, top_k: 5 }), 10, 4096)).toBeUndefined();
    expect(temperedTopKPlan(buildChain({ temperature: 0.7, top_k: 50 }), 10, 4096)).toBeDefined();
  });
});
