/**
 * Speculative decoding in real Chromium through the engine harness (the draft model loads because
 * the strategy needs it): spec-chain at temperature 0 emits exactly the greedy tokens on WASM, a
 * sampled spec-chain run and a sampled relaxed spec-tree run give the Node CLI's ids, and (in
 * about 90 s on SwiftShader) spec-rsd, prompt lookup and Token Recycling on WebGPU with the WGSL
 * tree verifier emit the greedy tokens at temperature 0, reading back a fraction of a logits row
 * per token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch } from './browser.ts';
import { cliGenerate, openHarness, type Harness } from './harness.ts';

/** The spec events' fields these tests read. */
interface SpecEvent {
  kind: string;
  position: number;
  data: { accepted: number; nodes: unknown[]; relaxed?: { drift: number } };
}

const prompt = 'The committee said that';
const q = (s: string) => `${s}&prompt=${encodeURIComponent(prompt)}`;
const GREEDY = q('strategy=greedy&max_new_tokens=24');
const CHAIN_T0 = q('strategy=spec-chain&temperature=0&num_draft_tokens=4&max_new_tokens=24');
const CHAIN_SAMPLED = q('strategy=spec-chain&temperature=0.9&top_p=0.95&num_draft_tokens=3&seed=2024&max_new_tokens=24');
const TREE_RELAXED = q('strategy=spec-tree&tree_width=2&tree_depth=3&relaxed_acceptance=true&relaxed_neighbors=4&seed=7&max_new_tokens=16');
const RSD_T0 = q('strategy=spec-rsd&temperature=0&tree_width=2&tree_depth=3&max_new_tokens=12');

let browser: Browser;
let h: Harness;
let node: Map<string, ReturnType<typeof cliGenerate>>;

beforeAll(async () => {
  // The Node runs go first, in parallel, while Chromium starts.
  node = new Map([CHAIN_SAMPLED, TREE_RELAXED].map((query) => [query, cliGenerate(prompt, query)]));
  for (const p of node.values()) p.catch(() => {});
  browser = await launch();
  h = await openHarness(browser);
});
afterAll(async () => browser?.close());

const run = (query: string, backend: 'wasm' | 'webgpu' = 'wasm', gpuKernels = false) => h.run<SpecEvent>(query, backend, { gpuKernels });

describe('speculative decoding in Chromium', () => {
  it('spec-chain at temperature 0 emits the greedy tokens (WASM), one target pass per verification step', async () => {
    const greedy = await run(GREEDY);
    const chain = await run(CHAIN_T0);
    expect(greedy.reason, greedy.error).toBe('max_tokens');
    expect(chain.reason, chain.error).toBe('max_tokens');
    expect(chain.ids).toEqual(greedy.ids);
    const spec = chain.events.filter((e) => e.kind === 'spec');
    expect(spec.length).toBe(chain.stats.targetForwards);
    expect(spec.reduce((a, e) => a + e.data.accepted + 1, 0)).toBe(24);
    expect(chain.stats.draftForwards).toBeGreaterThan(0);
    expect(h.errors).toEqual([]);
  });

  it('sampled spec-chain and relaxed spec-tree runs give the Node CLI ids', async () => {
    for (const query of [CHAIN_SAMPLED, TREE_RELAXED]) {
      const r = await run(query);
      expect(r.reason, r.error).not.toBe('error');
      const n = await node.get(query)!;
      expect(r.ids, query).toEqual(n.tokens.map((t) => t.id));
      expect(r.text).toBe(n.text);
      expect(new Set(r.sources).size).toBeGreaterThan(1);
    }
    const relaxed = (await run(TREE_RELAXED)).events.filter((e) => e.kind === 'spec');
    expect(relaxed.every((e) => typeof e.data.relaxed?.drift === 'number')).toBe(true);
    expect(h.errors).toEqual([]);
  });

  // About a minute on SwiftShader (ORT WebGPU session + WGSL pipelines); always run: a skipped test checks nothing.
  it('spec-rsd, prompt lookup, recycling (WGSL tree verification) and spec-chain (logits kept on the GPU) on WebGPU emit the greedy tokens at temperature 0; a sampled spec-tree the WASM tokens', async () => {
    const greedy = await run(q('strategy=greedy&max_new_tokens=12'), 'webgpu', true);
    const rsd = await run(RSD_T0, 'webgpu', true);
    expect(rsd.reason, rsd.error).toBe('max_tokens');
    expect(rsd.ids).toEqual(greedy.ids);
    // The tree's target rows are gathered per node on the GPU: what comes back per token (result
    // blocks, top-k lists) is a fraction of one logits row (4096 x 4 bytes), where it used to be
    // every node's full row.
    expect(rsd.stats.bytesReadBackPerToken).toBeGreaterThan(0);
    expect(rsd.stats.bytesReadBackPerToken).toBeLessThan(4096 * 4);
    // spec-chain keeps target and draft logits on the GPU (forwardLogits) with the WGSL verifyChain.
    const chain = await run(q('strategy=spec-chain&temperature=0&max_new_tokens=12'), 'webgpu', true);
    expect(chain.reason, chain.error).toBe('max_tokens');
    expect(chain.ids).toEqual(greedy.ids);
    // The draft-free trees (one-hot drafts) verify in WGSL too; recycling's table reads top-k lists.
    for (const strategy of ['prompt-lookup', 'recycling']) {
      const r = await run(q(`strategy=${strategy}&temperature=0&max_new_tokens=12`), 'webgpu', true);
      expect(r.reason, r.error).toBe('max_tokens');
      expect(r.ids, strategy).toEqual(greedy.ids);
      expect(r.stats.bytesReadBackPerToken, strategy).toBeLessThan(4096 * 4);
    }
    // A sampled tree: children drawn on the GPU from q, verified in WGSL: the WASM run's tokens (CPU kernels).
    const TREE_SAMPLED = q('strategy=spec-tree&tree_width=3&tree_depth=2&seed=5&max_new_tokens=12');
    const tree = await run(TREE_SAMPLED, 'webgpu', true);
    expect(tree.reason, tree.error).toBe('max_tokens');
    expect(tree.ids).toEqual((await run(TREE_SAMPLED)).ids);
    expect(tree.stats.bytesReadBackPerToken).toBeLessThan(4096 * 4);
    const sampled = await run(q('strategy=spec-chain&seed=3&max_new_tokens=12'), 'webgpu', true);
    expect(sampled.reason, sampled.error).toBe('max_tokens');
    console.log(`spec-rsd on WebGPU used ${rsd.kernels} kernels: ${rsd.stats.targetForwards} target passes for 12 tokens, ${rsd.stats.bytesReadBackPerToken.toFixed(0)} bytes read back per token`);
  });
});
