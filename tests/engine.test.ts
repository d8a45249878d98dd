/**
 * The engine on the embedded models in Node (onnxruntime-node, CPU kernels): KV-cache decoding
 * against full recomputation, rollback and batched rows against single rows, determinism, and the
 * stopping rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecodeConfig } from '../src/engine/config/index.ts';
import { createCpuKernels } from '../src/engine/kernels/cpu/index.ts';
import type { Kernels } from '../src/engine/kernels/types.ts';
import { ModelRunner } from '../src/engine/model/runner.ts';
import { generate } from '../src/engine/generate.ts';
import { collectTrace } from '../src/engine/trace/collect.ts';
import { TARGET, loadEmbedded, validConfig } from './support/embedded.ts';

let target: ModelRunner;
let kernels: Kernels;

beforeAll(async () => {
  target = await loadEmbedded(TARGET);
  kernels = await createCpuKernels();
});
afterAll(async () => {
  await target?.dispose();
});

const config = validConfig;

const run = (c: DecodeConfig) => collectTrace(generate(c, { target, kernels }));

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('ModelRunner', () => {
  it('KV-cache greedy decoding equals recomputing the full sequence every step', async () => {
    const prompt = target.encode('The jury said it did find that');
    const cached = target.newSequence();
    let out = await target.readLogits(cached, [prompt], 1);
    const fromCache: number[] = [];
    const fromScratch: number[] = [];
    let ids = prompt.slice();
    for (let i = 0; i < 24; i++) {
      const tok = argmax(out.logits);
      fromCache.push(tok);
      // Full recomputation: a fresh sequence over everything so far.
      const fresh = target.newSequence();
      const full = await target.readLogits(fresh, [ids], 1);
      fresh.dispose();
      expect(maxAbsDiff(full.logits, out.logits)).toBeLessThan(1e-3);
      fromScratch.push(argmax(full.logits));
      ids = [...ids, tok];
      out = await target.readLogits(cached, [[tok]], 1);
    }
    cached.dispose();
    expect(fromCache).toEqual(fromScratch);
  });

  it('verifies several tokens in one forward, with the logits of one-by-one decoding', async () => {
    const prompt = target.encode('It was a cold morning in');
    const draft = target.encode(' the city of New York');
    const chain = target.newSequence();
    await target.readLogits(chain, [prompt], 1);
    const multi = await target.readLogits(chain, [draft]);
    expect(multi.rows).toBe(draft.length);
    const single = target.newSequence();
    await target.readLogits(single, [prompt], 1);
    for (let i = 0; i < draft.length; i++) {
      const one = await target.readLogits(single, [[draft[i]]], 1);
      expect(maxAbsDiff(one.logits, multi.logits.subarray(i * multi.vocab, (i + 1) * multi.vocab))).toBeLessThan(1e-3);
    }
    chain.dispose();
    single.dispose();
  });

  it('rolls the KV cache back to any length', async () => {
    const prompt = target.encode('She opened the door and');
    const seq = target.newSequence();
    const first = await target.readLogits(seq, [prompt], 1);
    await target.readLogits(seq, [target.encode(' looked at the garden for a while')]);
    seq.truncate(prompt.length);
    expect(seq.length).toBe(prompt.length);
    expect(seq.tokens()).toEqual(prompt);
    const again = await target.readLogits(seq, [[first.logits.indexOf(Math.max(...first.logits))]], 1);
    const ref = target.newSequence();
    await target.readLogits(ref, [prompt], 1);
    const expected = await target.readLogits(ref, [[first.logits.indexOf(Math.max(...first.logits))]], 1);
    expect(maxAbsDiff(again.logits, expected.logits)).toBeLessThan(1e-4);
    expect(() => seq.truncate(seq.length + 1)).toThrow(RangeError);
    seq.dispose();
    ref.dispose();
  });

  it('runs several rows in one batch with the logits of separate runs, and gathers rows', async () => {
    const a = target.encode('The house was');
    const b = target.encode('A man came in');
    const n = Math.min(a.length, b.length);
    const rowsA = a.slice(0, n);
    const rowsB = b.slice(0, n);
    const batch = target.newSequence(2);
    const both = await target.readLogits(batch, [rowsA, rowsB], 1);
    const sa = target.newSequence();
    const sb = target.newSequence();
    const oa = await target.readLogits(sa, [rowsA], 1);
    const ob = await target.readLogits(sb, [rowsB], 1);
    const V = both.vocab;
    expect(maxAbsDiff(both.logits.subarray(0, V), oa.logits)).toBeLessThan(1e-3);
    expect(maxAbsDiff(both.logits.subarray(V, 2 * V), ob.logits)).toBeLessThan(1e-3);
    // Reorder: row B twice, then continue both rows with the same token.
    batch.gatherRows([1, 1]);
    const next = await target.readLogits(batch, [[261], [261]], 1);
    const nb = await target.readLogits(sb, [[261]], 1);
    expect(maxAbsDiff(next.logits.subarray(0, V), nb.logits)).toBeLessThan(1e-3);
    expect(maxAbsDiff(next.logits.subarray(V, 2 * V), nb.logits)).toBeLessThan(1e-3);
    expect(batch.tokens(0)).toEqual([...rowsB, 261]);
    for (const s of [batch, sa, sb]) s.dispose();
  });

  it('rejects bad forward input with clear errors', async () => {
    const seq = target.newSequence(2);
    await expect(target.readLogits(seq, [[1, 2]])).rejects.toThrow(/rows/);
    await expect(target.readLogits(seq, [[1, 2], [3]])).rejects.toThrow(/equal/);
    seq.dispose();
  });
});

describe('generate', () => {
  it('is deterministic for a seed, changes with the seed, and greedy ignores it', async () => {
    const base = { prompt: 'The old man', strategy: 'sample', temperature: 1, max_new_tokens: 24 };
    const a = await run(config({ ...base, seed: 7 }));
    const b = await run(config({ ...base, seed: 7 }));
    const c = await run(config({ ...base, seed: 8 }));
    expect(a.end.reason).not.toBe('error');
    expect(a.tokens.map((t) => t.id)).toEqual(b.tokens.map((t) => t.id));
    expect(a.tokens.map((t) => t.id)).not.toEqual(c.tokens.map((t) => t.id));
    const g1 = await run(config({ ...base, strategy: 'greedy', seed: 1 }));
    const g2 = await run(config({ ...base, strategy: 'greedy', seed: 99 }));
    expect(g1.tokens.map((t) => t.id)).toEqual(g2.tokens.map((t) => t.id));
    expect(g1.tokens.every((t) => t.rank === 0 && t.source === 'greedy')).toBe(true);
  });

  it('records a full trace per token and run statistics', async () => {
    const t = await run(config({ prompt: 'In the morning', strategy: 'sample', temperature: 0.8, top_k: 40, top_p: 0.9, seed: 3, max_new_tokens: 12 }));
    expect(t.start.promptTokens.length).toBeGreaterThan(0);
    expect(t.tokens).toHaveLength(t.end.stats.tokensEmitted);
    for (const tok of t.tokens) {
      expect(tok.entropy).toBeGreaterThan(0);
      expect(tok.rawTop.length).toBe(10);
      expect(tok.stages.map((s) => s.name)).toEqual(['temperature', 'top_k', 'top_p']);
      expect(tok.processedProb).toBeGreaterThan(0);
      expect(tok.position).toBe(t.start.promptTokens.length + tok.index);
    }
    expect(t.end.stats.targetForwards).toBe(t.tokens.length);
    expect(t.end.text).toBe(target.decode(t.tokens.map((x) => x.id)));
  });

  it('stops at max_new_tokens, at a stop string, and at EOS', async () => {
    const m = await run(config({ prompt: 'The', strategy: 'greedy', max_new_tokens: 5 }));
    expect(m.end.reason).toBe('max_tokens');
    expect(m.tokens).toHaveLength(5);
    const long = await run(config({ prompt: 'The', strategy: 'greedy', max_new_tokens: 40 }));
    expect(long.end.text.length).toBeGreaterThan(20);
    const word = long.end.text.slice(12, 16);
    const s = await run(config({ prompt: 'The', strategy: 'greedy', max_new_tokens: 40, stop: [word] }));
    expect(s.end.reason).toBe('stop_string');
    expect(s.end.text).toBe(long.end.text.slice(0, long.end.text.indexOf(word)));
    // Force EOS: a processor setting that leaves only EOS is not available, so check the rule on a trace:
    // sampling at a high temperature for long enough ends either at EOS or at the budget, never beyond.
    const e = await run(config({ prompt: '', strategy: 'sample', temperature: 1, seed: 5, max_new_tokens: 200 }));
    expect(['eos', 'max_tokens']).toContain(e.end.reason);
    if (e.end.reason === 'eos') expect(target.isEos(e.tokens.at(-1)!.id)).toBe(true);
    expect(e.tokens.slice(0, -1).every((x) => !target.isEos(x.id))).toBe(true);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const events = [];
    for await (const ev of generate(config({ prompt: 'The', strategy: 'greedy', max_new_tokens: 50 }), { target, kernels }, { signal: controller.signal })) {
      events.push(ev);
      if (ev.type === 'token' && ev.index === 2) controller.abort();
    }
    const end = events.at(-1)!;
    expect(end.type === 'end' && end.reason).toBe('cancelled');
    expect(events.filter((e) => e.type === 'token')).toHaveLength(3);
  });
});
