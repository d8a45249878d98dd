/**
 * Tree verification in one masked target pass (the embedded target reads a tree mask) against the
 * batched root-to-leaf rows (the same target loaded with `treeMask: false`): the same tokens and
 * the same trace (numbers within 1e-4: the logits differ only in float summation order), one
 * target forward per verification step either way, on several seeds and tree strategies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRunner } from '../../model/runner.ts';
import { MODELS_DIR } from '../../node.ts';
import { configureModelSources } from '../../model/runner.ts';
import type { StrategyEvent, Trace } from '../../trace/types.ts';
import { config, runTrace, tokenIds, useEmbeddedModels } from '../../../../tests/support/strategy-setup.ts';
import { TARGET } from '../../../../tests/support/embedded.ts';

const models = useEmbeddedModels({ draft: true });
let batched: ModelRunner;
beforeAll(async () => {
  configureModelSources({ localModelPath: MODELS_DIR, allowRemoteModels: false });
  batched = await ModelRunner.load({ model: TARGET, backend: 'cpu', dtype: 'fp32', treeMask: false });
});
afterAll(async () => {
  await batched?.dispose();
});

/** Fields that measure the run rather than describe it. */
const TIMING = /^(ms|.*Ms|.*_ms|elapsed.*|time.*|wall.*|.*Time)$/;

/** Asserts a and b are the same JSON tree, numbers within `tol` (relative to their size). */
function expectClose(a: unknown, b: unknown, where: string, tol = 1e-4): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) expect(Number.isNaN(a), where).toBe(Number.isNaN(b));
    else expect(Math.abs(a - b), where).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(a)));
    return;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    expect(a, where).toEqual(b);
    return;
  }
  expect(Array.isArray(a), where).toBe(Array.isArray(b));
  const ka = Object.keys(a).filter((k) => !TIMING.test(k));
  expect(ka, where).toEqual(Object.keys(b).filter((k) => !TIMING.test(k)));
  for (const k of ka) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`, tol);
}

const specEvents = (t: Trace) => t.events.filter((e) => e.kind === 'spec') as StrategyEvent<'spec'>[];

describe('tree verification through the tree mask', () => {
  it('gives the tokens and trace of the batched path rows, with one target forward per step', async () => {
    expect(models.target.supportsTreeMask).toBe(true);
    expect(batched.supportsTreeMask).toBe(false);
    const variants: Record<string, unknown>[] = [
      { strategy: 'spec-tree' },
      { strategy: 'spec-tree', tree_width: 3, tree_depth: 3 },
      { strategy: 'spec-rsd' },
      { strategy: 'recycling' },
      { strategy: 'spec-adaptive', adaptive_tree: true, draft_confidence: 0.02, tree_width: 3 },
    ];
    let branching = 0;
    for (const v of variants) {
      for (const seed of v.strategy === 'spec-tree' && !v.tree_width ? [1, 2, 3, 4] : [5]) {
        const c = config({ ...v, prompt: 'It was a cold morning in the city of', temperature: 1, max_new_tokens: 24, seed });
        const before = [models.target.forwards, batched.forwards];
        const masked = await runTrace(c, models);
        const plain = await runTrace(c, { ...models, target: batched });
        const forwards = [models.target.forwards - before[0], batched.forwards - before[1]];
        const what = `${JSON.stringify(v)} seed ${seed}`;
        expect(masked.end.reason, what).toBe('max_tokens');
        expect(tokenIds(masked), what).toEqual(tokenIds(plain));
        expectClose(masked.events, plain.events, what);
        // One target forward per verification step (recycling adds one over the prompt to seed its
        // table), as many as the batched rows took.
        expect(forwards[0], what).toBe(specEvents(masked).length + (v.strategy === 'recycling' ? 1 : 0));
        expect(forwards[0], what).toBe(forwards[1]);
        expect(forwards[0], what).toBe(masked.end.stats.targetForwards);
        branching += specEvents(masked).filter((e) => new Set(e.data.nodes.map((n) => n.parent)).size < e.data.nodes.length).length;
      }
    }
    // The masked path ran: some steps verified trees that branch.
    expect(branching).toBeGreaterThan(0);
  });
});
