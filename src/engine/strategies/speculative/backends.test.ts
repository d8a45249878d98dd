/**
 * Every speculative strategy on the WebGPU kernels (Dawn) against the CPU kernels on the same
 * embedded models: the same tokens, the same accepted counts per step, and each node's target
 * probability within f32 rounding. The trees' target rows are gathered per node by the kernels
 * (`gatherRows`): on the GPU path no logits row is copied back for verification except where a
 * CPU-only extension verifies (one-hot drafts, relaxed acceptance).
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../generate.ts';
import { collectTrace } from '../../trace/collect.ts';
import type { StrategyEvent } from '../../trace/types.ts';
import { gpu, useDawnKernels } from '../../../../tests/support/dawn.ts';
import { config, runTrace, tokenIds, useEmbeddedModels } from '../../../../tests/support/strategy-setup.ts';

const models = useEmbeddedModels({ draft: true });
useDawnKernels();

interface SpecData {
  accepted: number;
  nodes: { p: number }[];
}
const specSteps = (events: StrategyEvent[]) => events.filter((e) => e.kind === 'spec').map((e) => e.data as unknown as SpecData);

const prompt = 'The old man said that the old man';
const CASES = [
  { strategy: 'spec-tree', tree_width: 3, tree_depth: 3, seed: 5 },
  { strategy: 'spec-tree', tree_width: 2, tree_depth: 4, temperature: 0 },
  { strategy: 'spec-rsd', tree_width: 3, tree_depth: 3, seed: 9, top_k: 40 },
  { strategy: 'spec-adaptive', adaptive_tree: true, draft_confidence: 0.005, tree_width: 3, seed: 2 },
  { strategy: 'spec-chain', num_draft_tokens: 4, seed: 3 },
  { strategy: 'prompt-lookup', seed: 4 },
  { strategy: 'recycling', tree_width: 2, tree_depth: 3, seed: 6 },
] as const;

describe('speculative strategies: WebGPU kernels = CPU kernels', () => {
  for (const c of CASES) {
    it(`${c.strategy} ${JSON.stringify(c)}`, async () => {
      const cfg = config({ ...c, prompt, max_new_tokens: 16 });
      const cpu = await runTrace(cfg, models);
      const webgpu = await collectTrace(generate(cfg, { ...models, kernels: gpu }));
      expect(webgpu.end.reason, webgpu.end.error).toBe(cpu.end.reason);
      expect(tokenIds(webgpu)).toEqual(tokenIds(cpu));
      const a = specSteps(cpu.events);
      const b = specSteps(webgpu.events);
      expect(b.map((s) => s.accepted)).toEqual(a.map((s) => s.accepted));
      expect(a.some((step) => step.nodes.length > 2), 'some step drafted a few tokens').toBe(true);
      b.forEach((s, i) =>
        s.nodes.forEach((n, j) => {
          if (Number.isNaN(a[i].nodes[j].p)) expect(n.p).toBeNaN();
          else expect(Math.abs(n.p - a[i].nodes[j].p), `step ${i} node ${j}`).toBeLessThan(1e-5);
        }),
      );
    });
  }
});
