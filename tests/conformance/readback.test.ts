/**
 * The readback budget at a hub vocabulary: every strategy of the registry on the Qwen2.5 fixture
 * (151,936 tokens, real tokenizer; the fixture is its own draft model) with the WGSL kernels
 * (Dawn) reads back under 1% of a logits row (V x 4 bytes) per emitted token, as the trace
 * reports it (`stats.bytesReadBackPerToken`), and reads no full logits row or distribution on the
 * way. In Node the model's logits are uploaded to the kernels (ORT-node has no WebGPU): uploads
 * are not readback, and every full read would show in the counters checked here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../tools/fixtures/specs.ts';
import { STRATEGIES, normalizeConfig, type StrategyId } from '../../src/engine/config/index.ts';
import type { ModelRunner } from '../../src/engine/model/runner.ts';
import type { WebGpuKernels } from '../../src/engine/kernels/webgpu/webgpu-kernels.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import type { NodeDevice } from '../../src/engine/kernels/webgpu/node-device.ts';
import { requireNodeDevice } from '../support/dawn.ts';
import { PROMPT, dtypesOf, ensureFixtures, fixtureSession } from './support.ts';

const f = FIXTURES.find((x) => x.id === 'fixtures/tiny-qwen2')!;
const V = f.arch.vocab;
let nd: NodeDevice;

beforeAll(async () => {
  ensureFixtures([f]);
  nd = await requireNodeDevice();
});
afterAll(() => nd?.destroy());

/** Per strategy: the settings that make it do its work (branch, rerank, draft a tree) in 8 tokens. */
const EXTRA: Partial<Record<StrategyId, Record<string, unknown>>> = {
  adadec: { adadec_tau: 0 },
  cntp: { cntp_entropy_min: 0, cntp_entropy_max: 100 },
  entropix: { entropix_entropy_threshold: 0 },
  'spec-adaptive': { adaptive_tree: true, draft_confidence: 0 },
};

describe(`${f.id} (vocab ${V}), WGSL kernels: every strategy reads back < 1% of a logits row per token`, () => {
  it.each(Object.keys(STRATEGIES) as StrategyId[])('%s', async (strategy) => {
    const session = fixtureSession('webgpu', nd.device);
    try {
      const { config } = normalizeConfig({
        model: f.id,
        draft: f.id,
        dtype: dtypesOf(f)[0],
        prompt: PROMPT,
        strategy,
        temperature: 0.8,
        seed: 3,
        max_new_tokens: 8,
        ...EXTRA[strategy],
      });
      await session.ensureLoaded(config);
      const inner = session as unknown as { target: ModelRunner; draft?: ModelRunner; kernels: WebGpuKernels };
      expect(session.state?.kernels).toBe('webgpu');
      const fullReads0 = inner.target.fullLogitsReads + (inner.draft?.fullLogitsReads ?? 0);
      const debug0 = inner.kernels.bytesReadBackDebug;
      const trace = await collectTrace(session.run(config));
      expect(trace.end.reason, trace.end.error).toBe('max_tokens');
      const perToken = trace.end.stats.bytesReadBackPerToken;
      console.log(`${strategy}: ${perToken.toFixed(0)} bytes read back per token (${((100 * perToken) / (V * 4)).toFixed(2)}% of a logits row)`);
      expect(perToken).toBeGreaterThan(0);
      expect(perToken).toBeLessThan(0.01 * V * 4);
      expect(inner.target.fullLogitsReads + (inner.draft?.fullLogitsReads ?? 0)).toBe(fullReads0);
      expect(inner.kernels.bytesReadBackDebug).toBe(debug0);
    } finally {
      await session.unload();
    }
  });
});
