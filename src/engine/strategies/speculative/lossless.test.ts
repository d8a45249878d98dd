/**
 * Losslessness of the speculative strategies on the embedded target (Node, onnxruntime CPU, CPU
 * kernels): the first two emitted tokens over 500 seeded runs follow the target's exact joint
 * distribution p(x1) p(x2 | x1) under top_k = 10, T = 1 (computed from its logits), chi-square at
 * alpha = 0.001; fixed seeds, so the outcome is deterministic. Weight-independent: the exact
 * distribution is recomputed from whatever weights are installed.
 */
import { describe, expect, it } from 'vitest';
import { chiSquare, chiSquareCritical001 } from '../../../../tests/support/kernels.ts';
import { config, runTrace, useEmbeddedModels } from '../../../../tests/support/strategy-setup.ts';

const models = useEmbeddedModels({ draft: true });
const PROMPT = 'the man and the woman and the man and the';

describe('losslessness on the embedded target', () => {
  /** The first two emitted tokens of N seeded runs against the exact joint p(x1) p(x2 | x1) (top_k = 10, T = 1). */
  async function firstTwo(over: (run: number) => Record<string, unknown>, N: number) {
    const prompt = PROMPT;
    const base = { prompt, top_k: 10, temperature: 1, max_new_tokens: 2 };
    const proc = { top_k: 10 };
    const promptIds = models.target.encode(prompt);
    const exactAfter = async (prefix: number[]) => {
      const seq = models.target.newSequence();
      const out = await models.target.readLogits(seq, [prefix], 1);
      seq.dispose();
      const res = await models.kernels.step(await models.kernels.createLogits(out.logits, 1, out.vocab), {
        rows: [{ config: proc, choose: 'none', seed: 0, step: 0 }],
        keepProcessed: true,
      });
      const p = await models.kernels.readProbs({ probs: res.processed!, row: 0 });
      models.kernels.dispose(res.processed!);
      return p;
    };
    const p1 = await exactAfter(promptIds);
    const support = [...p1.keys()].filter((i) => p1[i] > 0);
    const joint = new Map<string, number>();
    for (const x of support) {
      const p2 = await exactAfter([...promptIds, x]);
      p2.forEach((v, y) => v > 0 && joint.set(`${x},${y}`, p1[x] * v));
    }
    const counts = new Map<string, number>();
    for (let s = 0; s < N; s++) {
      const t = await runTrace(config({ ...base, ...over(s), seed: 1000 + s }), models);
      const key = `${t.tokens[0].id},${t.tokens[1].id}`;
      expect(joint.has(key), `impossible pair ${key}`).toBe(true);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // Cells with expected count >= 5 on their own, the rest pooled.
    const obs: number[] = [];
    const exp: number[] = [];
    let restObs = N;
    let restP = 1;
    for (const [key, p] of joint) {
      if (p * N < 5) continue;
      obs.push(counts.get(key) ?? 0);
      exp.push(p);
      restObs -= counts.get(key) ?? 0;
      restP -= p;
    }
    obs.push(restObs);
    exp.push(Math.max(restP, 0));
    const x2 = chiSquare(obs, exp);
    return { x2, df: obs.length - 1 };
  }

  const shape = { num_draft_tokens: 2, tree_depth: 2, tree_width: 2, draft_confidence: 0.05 };
  for (const strategy of ['spec-chain', 'spec-rsd', 'recycling']) {
    it(`${strategy}: first two tokens over 500 seeded runs follow the target (chi-square, alpha 0.001)`, async () => {
      const { x2, df } = await firstTwo(() => ({ strategy, ...shape }), 500);
      expect(df).toBeGreaterThanOrEqual(3);
      expect(x2).toBeLessThan(chiSquareCritical001(df));
    });
  }

  it('spec-tree, spec-adaptive (chain and DySpec-style tree) and prompt-lookup: pooled 4 x 128 seeded runs follow the target (chi-square, alpha 0.001)', async () => {
    const pooled: Record<string, unknown>[] = [
      { strategy: 'spec-tree' },
      { strategy: 'spec-adaptive' },
      { strategy: 'spec-adaptive', adaptive_tree: true, tree_width: 3 },
      { strategy: 'prompt-lookup' },
    ];
    const { x2, df } = await firstTwo((s) => ({ ...shape, ...pooled[s % 4] }), 512);
    expect(df).toBeGreaterThanOrEqual(3);
    expect(x2).toBeLessThan(chiSquareCritical001(df));
  });
});

