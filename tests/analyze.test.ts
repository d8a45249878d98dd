import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeText } from '../src/engine/analyze.ts';
import { createCpuKernels } from '../src/engine/kernels/cpu/index.ts';
import type { Kernels } from '../src/engine/kernels/types.ts';
import { ModelRunner } from '../src/engine/model/runner.ts';
import { TARGET, loadEmbedded } from './support/embedded.ts';

let target: ModelRunner;
let kernels: Kernels;
beforeAll(async () => {
  target = await loadEmbedded(TARGET);
  kernels = await createCpuKernels();
});
afterAll(async () => target?.dispose());

describe('analyzeText', () => {
  it('scores every token with the probability and rank the model gave it', async () => {
    const text = 'The jury said it did find that the city was well run.';
    const a = await analyzeText(target, kernels, text);
    const ids = target.encode(text);
    expect(a.tokens.map((t) => t.id)).toEqual(ids);
    expect(a.truncated).toBe(0);
    // Independent check: one forward per prefix, softmax by hand.
    const start = target.info.bosId ?? target.info.eosIds[0];
    for (let i = 0; i < ids.length; i += 4) {
      const seq = target.newSequence();
      const out = await target.readLogits(seq, [[start, ...ids.slice(0, i)]], 1);
      seq.dispose();
      const max = Math.max(...out.logits);
      const z = out.logits.reduce((s, x) => s + Math.exp(x - max), 0);
      const p = Math.exp(out.logits[ids[i]] - max) / z;
      const rank = out.logits.filter((x) => x > out.logits[ids[i]]).length;
      expect(a.tokens[i].prob).toBeCloseTo(p, 4);
      expect(a.tokens[i].rank).toBe(rank);
      expect(a.tokens[i].top[0].prob).toBeGreaterThanOrEqual(a.tokens[i].prob - 1e-9);
    }
    const mean = a.tokens.reduce((s, t) => s + t.logprob, 0) / a.tokens.length;
    expect(a.perplexity).toBeCloseTo(Math.exp(-mean), 6);
  });

  it('handles an empty text and a text longer than the context', async () => {
    expect((await analyzeText(target, kernels, '')).tokens).toEqual([]);
    const long = 'the cat sat on the mat and '.repeat(120);
    const a = await analyzeText(target, kernels, long);
    expect(a.tokens.length).toBe(target.info.maxPositions - 1);
    expect(a.truncated).toBe(target.encode(long).length - a.tokens.length);
    expect(a.truncated).toBeGreaterThan(0);
  });
});
