/**
 * The embedded models in Chromium, on WASM and on WebGPU (SwiftShader): logits equal the PyTorch
 * reference written at export time, KV-cache decoding equals full-sequence decoding, and the
 * validation perplexity matches the model card (eval.json). The Node side is tests/models.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch } from './browser.ts';
import { openHarness, type Harness } from './harness.ts';

interface Parity {
  stride: number;
  tolerance_abs: number;
  cases: { input_ids: number[]; logits_strided: number[][] }[];
}

let browser: Browser;
let h: Harness;
beforeAll(async () => {
  browser = await launch();
  h = await openHarness(browser);
});
afterAll(async () => browser?.close());

// WebGPU (f32 on SwiftShader) sums in another order than the CPU: 1e-3 there, the fixture's 1e-4 on WASM.
const TOLERANCE = { wasm: 1e-4, webgpu: 1e-3 } as const;

describe.each(['brown-target-v1', 'brown-draft-v1'])('%s in Chromium', (name) => {
  const fx = JSON.parse(readFileSync(`tests/fixtures/${name}-parity.json`, 'utf8')) as Parity;
  const ev = JSON.parse(readFileSync(`public/models/playground/${name}/eval.json`, 'utf8')) as {
    eval_subset: { ppl: number; windows: number; window: number; tokens_scored: number };
  };

  it.each(['wasm', 'webgpu'] as const)('on %s: logits equal PyTorch, and the KV cache equals full recompute', async (backend) => {
    const c = fx.cases[0];
    const r = await h.call<{ vocab: number; full: number[]; cached: number[] }>('modelCheck', `playground/${name}`, backend, c.input_ids, 5);
    const S = c.input_ids.length;
    let parity = 0;
    let cache = 0;
    for (let s = 0; s < S; s++) {
      for (let j = 0; j * fx.stride < r.vocab; j++) parity = Math.max(parity, Math.abs(r.full[s * r.vocab + j * fx.stride] - c.logits_strided[s][j]));
      for (let v = 0; v < r.vocab; v++) cache = Math.max(cache, Math.abs(r.full[s * r.vocab + v] - r.cached[s * r.vocab + v]));
    }
    expect(parity).toBeLessThan(TOLERANCE[backend]);
    expect(cache).toBeLessThan(TOLERANCE[backend]);
  });

  it('on wasm: validation perplexity on the eval subset within 5% of the model card', async () => {
    const sub = ev.eval_subset;
    let nll = 0;
    let tokens = 0;
    for (const window of await evalWindows(name, sub.windows, sub.window)) {
      const r = await h.call<{ nll: number; tokens: number }>('meanNll', `playground/${name}`, 'wasm', window);
      nll += r.nll * r.tokens;
      tokens += r.tokens;
    }
    expect(tokens).toBe(sub.tokens_scored);
    expect(Math.abs(Math.exp(nll / tokens) / sub.ppl - 1)).toBeLessThan(0.05);
  });

  afterAll(() => expect(h.errors).toEqual([]));
});

/** The card's eval windows ([0] + encode(doc) per document, as tools/train tokenises them). */
async function evalWindows(name: string, windows: number, W: number): Promise<number[][]> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = 'public/models/';
  const tok = await AutoTokenizer.from_pretrained(`playground/${name}`);
  const ids: number[] = [];
  for (const d of readFileSync('tests/fixtures/brown-val-eval.txt', 'utf8').split('\n\n')) ids.push(0, ...tok.encode(d, { add_special_tokens: false }));
  return Array.from({ length: windows }, (_, w) => ids.slice(w * W, w * W + W + 1));
}
