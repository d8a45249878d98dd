/**
 * The engine in real Chromium: the embedded target on WebGPU (SwiftShader) and on WASM gives the
 * same seeded tokens as onnxruntime-node on the CPU, and a long run does not grow GPU memory
 * beyond its KV cache (the 500-token measurement is `npm run bench -- memory`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch } from './browser.ts';
import { cliGenerate, openHarness, type Harness } from './harness.ts';

let browser: Browser;
let h: Harness;
beforeAll(async () => {
  browser = await launch();
  h = await openHarness(browser);
});
afterAll(async () => browser?.close());

describe('engine in Chromium', () => {
  const prompt = 'The committee said that';
  const query = `strategy=sample&temperature=0.9&top_p=0.95&seed=2024&max_new_tokens=40&prompt=${encodeURIComponent(prompt)}`;

  it('gives the same seeded tokens on WebGPU, on WASM and in Node', async () => {
    const gpu = await h.run(query, 'webgpu');
    const wasm = await h.run(query, 'wasm');
    const node = await cliGenerate(prompt, query);
    expect(gpu.reason, gpu.error).toBe('max_tokens');
    expect(gpu.ids).toHaveLength(40);
    expect(wasm.ids).toEqual(gpu.ids);
    expect(node.tokens.map((t) => t.id)).toEqual(gpu.ids);
    expect(gpu.text).toBe(node.text);
    expect(h.errors).toEqual([]);
  });

  // The readback is a fixed few hundred bytes (ids, top-k, scalars) whatever the vocabulary, so
  // the bar, < 1% of the logits of a 32k-vocab model, is checked against 32k here.
  it('WGSL kernels reading the logits in place give the CPU tokens and read back < 1% of 32k-vocab logits', async () => {
    const gpu = await h.run(query, 'webgpu', { gpuKernels: true });
    const cpu = await h.run(query, 'wasm');
    expect(gpu.reason, gpu.error).toBe('max_tokens');
    expect(gpu.kernels).toBe('webgpu');
    expect(gpu.ids).toEqual(cpu.ids);
    const per = gpu.stats.bytesReadBackPerToken;
    console.log(`bytes read back per token: ${per} (${((100 * per) / (4096 * 4)).toFixed(2)}% of this model's logits, ${((100 * per) / (32768 * 4)).toFixed(2)}% of a 32k vocab's)`);
    expect(per).toBeGreaterThan(0);
    expect(per).toBeLessThan(0.01 * 32768 * 4);
  });

  // The strategies that rerank, branch or look ahead: their logits stay on the GPU too, only top-k
  // lists and scalars come back (header + top-k per kernels row: a fixed few hundred bytes, so the
  // bar is a third of one logits row of this 4096-token vocabulary per emitted token).
  // spec-tree's drafting reads no draft distribution at temperature 0, but its target pass still
  // reads the tree's rows (readLogits), now counted: it is checked for tokens and a nonzero count.
  const p = `prompt=${encodeURIComponent(prompt)}&max_new_tokens=16`;
  it.each([
    ['strategy=beam&num_beams=4', true],
    ['strategy=adadec&adadec_tau=0&adadec_candidates=4&adadec_lookahead=3', true],
    ['strategy=cntp&cntp_max_trials=4&cntp_entropy_min=0&cntp_entropy_max=0.01&seed=3', true],
    ['strategy=entropix&entropix_entropy_threshold=20&entropix_varentropy_threshold=0&entropix_branches=4&seed=5', true],
    ['strategy=entropix&entropix_entropy_threshold=0&entropix_varentropy_threshold=20&entropix_pause_text=%20well%2C%20&seed=5', true],
    ['strategy=spec-tree&temperature=0&tree_width=3&tree_depth=3', false],
  ])('GPU-resident logits: %s gives the CPU tokens', async (q, bounded) => {
    const gpu = await h.run(`${q}&${p}`, 'webgpu', { gpuKernels: true });
    const cpu = await h.run(`${q}&${p}`, 'wasm');
    expect(gpu.reason, gpu.error).not.toBe('error');
    expect(gpu.kernels).toBe('webgpu');
    expect(gpu.ids).toEqual(cpu.ids);
    const per = gpu.stats.bytesReadBackPerToken;
    console.log(`${q}: ${per.toFixed(0)} bytes read back per token (${((100 * per) / (4096 * 4)).toFixed(2)}% of this model's logits row)`);
    expect(per).toBeGreaterThan(0);
    if (bounded) expect(per).toBeLessThan((4096 * 4) / 3);
    expect(h.errors).toEqual([]);
  });

  it('keeps GPU memory flat over a 120-token WebGPU run (only the KV cache grows)', async () => {
    const long = `strategy=sample&seed=9&max_new_tokens=120&prompt=${encodeURIComponent('Once')}`;
    const r = await h.run(long, 'webgpu', { sampleEvery: 10 });
    expect(r.reason, r.error).not.toBe('error');
    expect(r.memory.length).toBeGreaterThan(5);
    // KV cache of the embedded target: layers * (key + value) * heads * head_dim * 4 bytes per token.
    const kvPerToken = 4 * 2 * 4 * 64 * 4;
    const first = r.memory[1];
    const last = r.memory.at(-1)!;
    const growth = last.bytes - first.bytes;
    const kvGrowth = (last.token - first.token) * kvPerToken;
    // ORT's allocator buckets and caches buffers, so allow 2x the KV growth but nothing per-step.
    expect(growth).toBeLessThan(2 * kvGrowth + 4 * 1024 * 1024);
    // A per-step leak grows the live buffer count every token; bucket growth is occasional.
    const tail = r.memory.filter((m) => m.token >= last.token - 40);
    expect(tail.at(-1)!.buffers - tail[0].buffers).toBeLessThan(20);
    console.log(`GPU live bytes over ${last.token - first.token} tokens: +${(growth / 1e6).toFixed(2)} MB (KV cache +${(kvGrowth / 1e6).toFixed(2)} MB); buffers ${first.buffers} -> ${last.buffers}`);
  });
});
