/**
 * The embedded models' tree attention mask (tools/tree-mask/add-tree-mask.ts) through the runner,
 * onnxruntime-node CPU, for fp32 / q8 / q4 of both models:
 * - every node of a draft tree fed as one row (past + nodes in depth-first order, position =
 *   past + depth) gets the logits of a fresh forward of its root-to-node path;
 * - after keeping the past and one accepted path (KvCache.keepPositions), the next token's logits
 *   equal a fresh forward of the whole text.
 * Without tree values (attention_mask all 1) the graph is the one it was: the PyTorch parity test
 * in tests/models.test.ts still holds at 1e-4.
 * Tolerance: 1e-4 in fp32 (summation order only). q8 / q4: 0.1 (their quantization error vs fp32 is
 * 0.15 / 2): ORT's kernels for the quantized weights round differently with the number of rows, so
 * even a plain multi-token forward on a KV cache differs from a fresh forward by up to 0.03 there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configureModelSources, ModelRunner, type DType } from '../src/engine/model/runner.ts';
import { MODELS_DIR } from '../src/engine/node.ts';
import { addTreeMask } from '../tools/tree-mask/add-tree-mask.ts';
import { DRAFT, TARGET } from './support/embedded.ts';

const maxAbs = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/**
 * A tree after the root r (token index 0 of the row), in depth-first pre-order:
 *   r -> a -> b -> c
 *          -> d
 *     -> e -> f
 *     -> g
 */
const TREE = { tokens: [11, 250, 37, 1201, 99, 700, 15, 3000], parents: [-1, 0, 1, 2, 1, 0, 5, 0] };

const runners: ModelRunner[] = [];
afterAll(async () => {
  for (const r of runners) await r.dispose();
});

describe.each([TARGET, DRAFT].flatMap((model) => (['fp32', 'q8', 'q4'] as DType[]).map((dtype) => [model, dtype] as const)))('%s %s', (model, dtype) => {
  const tol = dtype === 'fp32' ? 1e-4 : 0.1;

  it(`one masked pass gives each node the logits of its own path (tol ${tol}), and the kept path continues like a fresh forward`, async () => {
    configureModelSources({ localModelPath: MODELS_DIR, allowRemoteModels: false });
    const runner = await ModelRunner.load({ model, backend: 'cpu', dtype });
    runners.push(runner);
    expect(runner.supportsTreeMask).toBe(true);
    const prompt = runner.encode('It was a cold morning in the city of');
    const past = prompt.slice(0, -1);
    const fresh = async (ids: number[]) => {
      const s = runner.newSequence();
      try {
        return (await runner.readLogits(s, [ids], 1)).logits;
      } finally {
        s.dispose();
      }
    };
    const pathOf = (i: number): number[] => (i < 0 ? [] : [...pathOf(TREE.parents[i]), TREE.tokens[i]]);
    // The root is the prompt's last token; the past comes from a plain forward first.
    const tokens = [prompt[prompt.length - 1], ...TREE.tokens.slice(1)];
    const seq = runner.newSequence();
    try {
      await runner.readLogits(seq, [past]);
      const forwards = runner.forwards;
      const out = await runner.readLogits(seq, [tokens], undefined, TREE.parents);
      expect(runner.forwards - forwards).toBe(1);
      expect(seq.length).toBe(past.length + tokens.length);
      const V = out.vocab;
      for (let i = 0; i < tokens.length; i++) {
        const ref = await fresh([...past, prompt[prompt.length - 1], ...pathOf(i).slice(1)]);
        expect(maxAbs(out.logits.subarray(i * V, (i + 1) * V), ref), `node ${i}`).toBeLessThan(tol);
      }
      // Accept r -> e -> f (indices 0, 5, 6): keep the past and those entries, then one more token.
      const accepted = [0, 5, 6];
      seq.keepPositions([...past.map((_, i) => i), ...accepted.map((i) => past.length + i)]);
      expect(seq.length).toBe(past.length + 3);
      expect(seq.tokens()).toEqual([...past, ...accepted.map((i) => tokens[i])]);
      const next = await runner.readLogits(seq, [[42]], 1);
      const ref = await fresh([...past, ...accepted.map((i) => tokens[i]), 42]);
      expect(maxAbs(next.logits, ref)).toBeLessThan(tol);
    } finally {
      seq.dispose();
    }
  });
});

describe('the tree-mask surgery', () => {
  it('has been applied to every committed file (rewriting again is a no-op) and config.json announces it', () => {
    for (const model of [TARGET, DRAFT]) {
      const dir = path.join(MODELS_DIR, model);
      for (const file of ['model.onnx', 'model_quantized.onnx', 'model_q4.onnx']) {
        expect(addTreeMask(fs.readFileSync(path.join(dir, 'onnx', file))), `${model}/${file}`).toBeNull();
      }
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).tree_attention_mask).toBe('subtree_end');
    }
  });

  it('the runner refuses a tree out of depth-first order, and a model loaded with treeMask: false has none', async () => {
    const runner = await ModelRunner.load({ model: DRAFT, backend: 'cpu', dtype: 'fp32', treeMask: false });
    runners.push(runner);
    expect(runner.supportsTreeMask).toBe(false);
    const seq = runner.newSequence();
    await expect(runner.readLogits(seq, [[1, 2, 3]], undefined, [-1, 0, 0])).rejects.toThrow(/tree attention mask/);
    seq.dispose();
    const masked = runners[0];
    const s2 = masked.newSequence();
    // 1 -> 2, 1 -> 3, 2 -> 4: token 4's parent (2) is not an ancestor of the token before it (3).
    await expect(masked.readLogits(s2, [[1, 2, 3, 4]], undefined, [-1, 0, 0, 1])).rejects.toThrow(/pre-order/);
    s2.dispose();
  });
});
