/**
 * Beam search, AdaDec, CNTP and entropix in real Chromium on WASM (ORT wasm + CPU kernels): each
 * runs once with a small token budget, emits tokens and its strategy events, and gives the same
 * ids as the Node CLI run of the same query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch } from './browser.ts';
import { cliGenerate, openHarness, type Harness } from './harness.ts';

const prompt = 'The committee said that';
const CASES = [
  { strategy: 'beam', query: 'strategy=beam&num_beams=3&max_new_tokens=8' },
  { strategy: 'adadec', query: 'strategy=adadec&adadec_tau=0&adadec_candidates=3&adadec_lookahead=3&max_new_tokens=5' },
  { strategy: 'cntp', query: 'strategy=cntp&seed=5&cntp_max_trials=3&cntp_max_trial_tokens=4&max_new_tokens=8' },
  { strategy: 'entropix', query: 'strategy=entropix&seed=5&entropix_entropy_threshold=3&max_new_tokens=8' },
].map((c) => ({ ...c, query: `${c.query}&prompt=${encodeURIComponent(prompt)}` }));

let browser: Browser;
let h: Harness;
let node: Map<string, ReturnType<typeof cliGenerate>>;

beforeAll(async () => {
  // The Node runs go first, in parallel, while Chromium starts.
  node = new Map(CASES.map((c) => [c.strategy, cliGenerate(prompt, c.query)]));
  for (const p of node.values()) p.catch(() => {});
  browser = await launch();
  h = await openHarness(browser);
});
afterAll(async () => browser?.close());

describe('rerank-family strategies in Chromium (WASM)', () => {
  it('beam, AdaDec, CNTP and entropix emit tokens and events, with the Node ids', async () => {
    for (const c of CASES) {
      const r = await h.run(c.query);
      expect(r.reason, `${c.strategy}: ${r.error}`).not.toBe('error');
      expect(r.ids.length, c.strategy).toBeGreaterThan(0);
      const events = r.events.filter((e) => e.kind === c.strategy);
      expect(events.length, c.strategy).toBeGreaterThan(0);
      if (c.strategy === 'beam') expect(new Set(r.sources)).toEqual(new Set(['beam']));
      if (c.strategy === 'adadec') {
        expect(events).toHaveLength(r.ids.length);
        expect(r.sources.every((s) => s === 'greedy' || s === 'reranked')).toBe(true);
      }
      if (c.strategy === 'cntp') expect(r.sources).toContain('trial-winner');
      if (c.strategy === 'entropix') expect(events).toHaveLength(r.ids.length);
      const n = await node.get(c.strategy)!;
      expect(r.ids, c.strategy).toEqual(n.tokens.map((t) => t.id));
      expect(r.text).toBe(n.text);
    }
    expect(h.errors).toEqual([]);
  });

  // About 70 s on SwiftShader (ORT WebGPU session + WGSL pipelines).
  it('on WebGPU with the WGSL kernels too (batched rows, sub-streams, top-64 candidates)', async () => {
    const t0 = performance.now();
    for (const c of CASES.filter((x) => x.strategy === 'beam' || x.strategy === 'cntp')) {
      const r = await h.run(c.query, 'webgpu', { gpuKernels: true });
      expect(r.reason, `${c.strategy}: ${r.error}`).not.toBe('error');
      expect(r.kernels).toBe('webgpu');
      const n = await node.get(c.strategy)!;
      expect(r.ids, c.strategy).toEqual(n.tokens.map((t) => t.id));
    }
    console.log(`WebGPU beam + CNTP: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(h.errors).toEqual([]);
  });
});
