/**
 * The runner's cache edits on every hub fixture, fp32 and fp16 caches, GQA included: logits after
 * (a) KV rollback (a rejected 4-token draft truncated away, then the true continuation) and
 * (b) batched rows (two prompts as one batch, and rows duplicated by gatherRows) equal those of a
 * fresh forward of the same tokens.
 * Tolerance (max abs logit difference): 1e-4 with fp32 caches (only float summation order
 * differs); 5e-2 with fp16 caches, where a cached key is the fp16-rounded one but a fresh forward
 * attends to the unrounded float32 key inside the same call (logits here have std ~1-4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../tools/fixtures/specs.ts';
import { configureModelSources, ModelRunner } from '../../src/engine/model/runner.ts';
import { FIXTURES_DIR, PROMPT, dtypesOf, ensureFixtures } from './support.ts';

const maxAbs = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

describe.each(FIXTURES.map((f) => [f.id, f] as const))('%s', (id, f) => {
  const dtype = dtypesOf(f)[0];
  const tol = f.files[Object.keys(f.files)[0]].io === 'float16' ? 5e-2 : 1e-4;
  let runner: ModelRunner;

  beforeAll(async () => {
    ensureFixtures([f]);
    configureModelSources({ localModelPath: FIXTURES_DIR + '/', allowRemoteModels: false });
    runner = await ModelRunner.load({ model: id, backend: 'cpu', dtype });
  });
  afterAll(async () => {
    await runner?.dispose();
  });

  /** Last-position logits of one fresh forward over `ids`. */
  async function fresh(ids: number[]): Promise<Float32Array> {
    const seq = runner.newSequence();
    try {
      return (await runner.readLogits(seq, [ids], 1)).logits;
    } finally {
      seq.dispose();
    }
  }

  it(`reads the export: ${dtype}, kv heads / head_dim / cache type from the session`, () => {
    expect(runner.info.kvHeads).toBe(f.arch.kvHeads);
    expect(runner.info.headDim).toBe(f.arch.headDim);
    expect(runner.info.kvDType).toBe(f.files[Object.keys(f.files)[0]].io);
    expect(runner.info.vocabSize).toBe(f.arch.vocab);
  });

  it(`KV rollback gives the logits of a fresh forward (tol ${tol})`, async () => {
    const ids = runner.encode(PROMPT);
    expect(ids.length).toBeGreaterThan(8);
    const split = 5;
    const seq = runner.newSequence();
    try {
      await runner.readLogits(seq, [ids.slice(0, split)]);
      const draft = [ids[0], ids[1], ids[2], ids[3]];
      await runner.readLogits(seq, [draft]); // a rejected draft
      seq.truncate(split);
      expect(seq.length).toBe(split);
      const rest = ids.slice(split);
      const out = await runner.readLogits(seq, [rest], 1);
      expect(maxAbs(out.logits, await fresh(ids))).toBeLessThanOrEqual(tol);
      // One token at a time after the rollback, as decoding does.
      seq.truncate(split);
      let last: Float32Array = new Float32Array();
      for (const t of rest) last = (await runner.readLogits(seq, [[t]])).logits;
      expect(maxAbs(last, await fresh(ids))).toBeLessThanOrEqual(tol);
    } finally {
      seq.dispose();
    }
  });

  it(`batched rows and gathered rows give the logits of fresh forwards (tol ${tol})`, async () => {
    const a = runner.encode(PROMPT).slice(0, 6);
    const b = runner.encode('The rain in Spain falls mainly on the plain').slice(0, 6);
    const seq = runner.newSequence(2);
    try {
      const out = await runner.readLogits(seq, [a, b], 1);
      expect(out.rows).toBe(2);
      const V = out.vocab;
      expect(maxAbs(out.logits.subarray(0, V), await fresh(a))).toBeLessThanOrEqual(tol);
      expect(maxAbs(out.logits.subarray(V), await fresh(b))).toBeLessThanOrEqual(tol);
      // Beam-style reorder: rows [b, b, a], then one more token each.
      seq.gatherRows([1, 1, 0]);
      const next = [[a[1]], [a[2]], [b[3]]];
      const step = await runner.readLogits(seq, next);
      const want = [[...b, a[1]], [...b, a[2]], [...a, b[3]]];
      for (let r = 0; r < 3; r++) expect(maxAbs(step.logits.subarray(r * V, (r + 1) * V), await fresh(want[r]))).toBeLessThanOrEqual(tol);
    } finally {
      seq.dispose();
    }
  });
});
