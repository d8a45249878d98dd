/**
 * The speculative strategies on the embedded target/draft pair (Node, onnxruntime CPU, CPU
 * kernels). Nothing here depends on the exact weights: the models are retrained from time to time.
 * - Temperature 0: every lossless variant emits exactly the target's greedy tokens.
 * - Losslessness on the embedded target is in lossless.test.ts (its own file so the two run in parallel).
 * - Forward accounting (a draft that always agrees: the target drafting for itself) and KV
 *   rollback (every emitted token's target distribution equals a fresh full forward's).
 * - Relaxed acceptance: k = 1 or delta = 0 is exact acceptance; otherwise drift is reported.
 */
import { describe, expect, it } from 'vitest';
import { chiSquare, chiSquareCritical001 } from '../../../../tests/support/kernels.ts';
import type { DecodeConfig } from '../../config/index.ts';
import type { ModelRunner } from '../../model/runner.ts';
import { purposeWord, uniform } from '../../rng.ts';
import type { StrategyEvent, Trace } from '../../trace/types.ts';
import { topKIds } from '../tokens.ts';
import { drawInverseCdf, drawWithoutReplacement } from '../../kernels/cpu/draws.ts';
import { promptLookup, SuccessorTable } from './drafts.ts';
import { config, logSoftmax, runTrace, tokenIds, useEmbeddedModels } from '../../../../tests/support/strategy-setup.ts';

const models = useEmbeddedModels({ draft: true });
/** A run with the embedded pair, or with another draft model. */
const run = (c: DecodeConfig, draft?: ModelRunner): Promise<Trace> => runTrace(c, draft ? { ...models, draft } : models);
const specEvents = (t: Trace) => t.events.filter((e) => e.kind === 'spec') as StrategyEvent<'spec'>[];

const LOSSLESS = ['spec-chain', 'spec-tree', 'spec-rsd', 'spec-adaptive', 'prompt-lookup', 'recycling'] as const;
const PROMPTS = ['The old man', 'It was a cold morning in the city of', 'the man and the woman and the man and the'];

describe('speculative strategies at temperature 0', () => {
  it('every lossless variant emits exactly the greedy tokens (3 prompts, 24 tokens, several shapes)', async () => {
    for (const prompt of PROMPTS) {
      const greedy = tokenIds(await run(config({ strategy: 'greedy', prompt, max_new_tokens: 24 })));
      expect(greedy).toHaveLength(24);
      const variants: Record<string, unknown>[] = LOSSLESS.map((strategy) => ({ strategy }));
      if (prompt === PROMPTS[0]) variants.push(
        { strategy: 'spec-chain', num_draft_tokens: 1 },
        { strategy: 'spec-chain', num_draft_tokens: 7 },
        { strategy: 'spec-tree', tree_width: 3, tree_depth: 3 },
        { strategy: 'spec-adaptive', draft_confidence: 0 },
        { strategy: 'spec-adaptive', adaptive_tree: true, draft_confidence: 0.02, tree_width: 3 },
        { strategy: 'spec-adaptive', adaptive_tree: true, draft_confidence: 0 },
        { strategy: 'recycling', tree_width: 4, tree_depth: 3 },
        { strategy: 'prompt-lookup', ngram_size: 1 },
      );
      for (const v of variants) {
        const t = await run(config({ ...v, prompt, temperature: 0, max_new_tokens: 24, seed: 3 }));
        expect(t.end.reason, JSON.stringify(v) + t.end.error).toBe('max_tokens');
        expect(tokenIds(t), `${JSON.stringify(v)} on "${prompt}"`).toEqual(greedy);
        expect(t.tokens.every((e) => e.rank === 0)).toBe(true);
      }
    }
    // With a repetition penalty too (greedy reads it; the verifier applies it per path).
    const prompt = PROMPTS[2];
    const g = tokenIds(await run(config({ strategy: 'greedy', prompt, max_new_tokens: 16, repetition_penalty: 1.3 })));
    for (const strategy of ['spec-chain', 'spec-tree', 'recycling']) {
      const t = await run(config({ strategy, prompt, temperature: 0, repetition_penalty: 1.3, max_new_tokens: 16 }));
      expect(tokenIds(t), strategy).toEqual(g);
    }
    // Every penalty (sample at T = 0 reads all processor keys; greedy only repetition_penalty):
    // the verifier's target rows see the context extended by the drafts before them.
    const penalties = { presence_penalty: 0.8, frequency_penalty: 0.4, dry_multiplier: 2, dry_allowed_length: 1, logit_bias: '5:-100,7:1.5', temperature: 0, max_new_tokens: 16, prompt };
    const s = tokenIds(await run(config({ strategy: 'sample', ...penalties })));
    expect(s, 'the penalties change the tokens').not.toEqual(tokenIds(await run(config({ strategy: 'sample', prompt, temperature: 0, max_new_tokens: 16 }))));
    for (const strategy of LOSSLESS) {
      const t = await run(config({ strategy, ...penalties }));
      expect(tokenIds(t), `${strategy} with penalties`).toEqual(s);
    }
  });
});

describe('forward accounting and the trace', () => {
  it('a draft that always agrees (the target drafting for itself) is accepted K of K: 1/(K+1) target passes per token', async () => {
    for (const temperature of [0, 1]) {
      const t = await run(config({ strategy: 'spec-chain', num_draft_tokens: 4, temperature, prompt: 'The old man', max_new_tokens: 20, seed: 5 }), models.target);
      const ev = specEvents(t);
      expect(t.tokens).toHaveLength(20);
      expect(ev).toHaveLength(4);
      expect(ev.every((e) => e.data.accepted === 4 && e.data.next.kind === 'bonus')).toBe(true);
      expect(ev.reduce((a, e) => a + e.data.targetForwards, 0) / t.tokens.length).toBeCloseTo(0.2, 10);
    }
  });

  it('with the embedded pair at T = 0: one target pass per step, never more passes than tokens; stats and events agree', async () => {
    for (const strategy of ['spec-chain', 'spec-tree', 'spec-rsd']) {
      const t = await run(config({ strategy, temperature: 0, prompt: PROMPTS[0], max_new_tokens: 32 }));
      const ev = specEvents(t);
      expect(t.end.stats.targetForwards).toBe(ev.length);
      // How many drafts the pair agrees on depends on the weights; at worst one token per pass.
      expect(t.end.stats.targetForwards).toBeLessThanOrEqual(t.tokens.length);
      expect(t.end.stats.draftForwards).toBe(ev.reduce((a, e) => a + e.data.draftForwards, 0));
      expect(ev.reduce((a, e) => a + e.data.accepted + 1, 0)).toBe(t.tokens.length);
      for (const e of ev) {
        const d = e.data;
        expect(d.nodes.filter((n) => n.status === 'accepted')).toHaveLength(d.accepted);
        expect(d.depths!.filter((x) => x.accepted)).toHaveLength(d.accepted);
        for (const n of d.nodes) expect(n.parent).toBeLessThan(n.id);
      }
      // Token sources: accepted drafts, then one residual or bonus token per step.
      expect(t.tokens.filter((x) => x.source !== 'draft-accepted')).toHaveLength(ev.length);
    }
  });

  it('rolls the KV caches back: emitted tokens and first drafts carry the distributions of fresh full forwards (target and draft)', async () => {
    for (const strategy of ['spec-chain', 'spec-tree', 'spec-rsd', 'recycling']) {
      const t = await run(config({ strategy, temperature: 1, prompt: PROMPTS[1], max_new_tokens: 24, seed: 11 }));
      expect(t.end.reason).toBe('max_tokens');
      // Rejections happened, so rollback was exercised.
      expect(specEvents(t).some((e) => e.data.nodes.some((n) => n.status === 'rejected')), strategy).toBe(true);
      const all = [...models.target.encode(PROMPTS[1]), ...tokenIds(t)];
      const seq = models.target.newSequence();
      const out = await models.target.readLogits(seq, [all.slice(0, -1)]);
      seq.dispose();
      const P = all.length - t.tokens.length;
      const V = out.vocab;
      t.tokens.forEach((tok, i) => {
        const row = out.logits.subarray((P - 1 + i) * V, (P + i) * V);
        const top = topKIds(row, 0, V, 3);
        expect(tok.rawTop.slice(0, 3).map((e) => e.id), `${strategy} token ${i}`).toEqual(top);
        expect(tok.prob).toBeCloseTo(Math.exp(logSoftmax(row)[tok.id]), 4);
      });
      if (strategy === 'recycling') continue;
      // The draft's cache too: each step's first drafts carry the q of a fresh draft forward.
      const draft = models.draft!;
      const dseq = draft.newSequence();
      const dout = await draft.readLogits(dseq, [all.slice(0, -1)]);
      dseq.dispose();
      for (const e of specEvents(t)) {
        for (const n of e.data.nodes.filter((x) => x.depth === 1)) {
          const row = dout.logits.subarray((e.position - 1) * V, e.position * V);
          expect(n.q, `${strategy} draft q at ${e.position}`).toBeCloseTo(Math.exp(logSoftmax(row)[n.token]), 4);
        }
      }
    }
  });
});

describe('the draft tree\'s target probabilities', () => {
  it.each(['spec-chain', 'spec-tree'])('%s reports p for every draft, the unverified ones too, as a fresh forward gives', async (strategy) => {
    const t = await run(config({ strategy, temperature: 1, prompt: PROMPTS[1], max_new_tokens: 12, seed: 3 }));
    const events = specEvents(t);
    expect(events.some((e) => e.data.nodes.some((n) => n.status === 'unverified'))).toBe(true);
    const all = [...models.target.encode(PROMPTS[1]), ...tokenIds(t)];
    for (const e of events) {
      const byId = new Map(e.data.nodes.map((n) => [n.id, n]));
      const pathTo = (id: number): number[] => (id < 0 ? [] : [...pathTo(byId.get(id)!.parent), byId.get(id)!.token]);
      for (const n of e.data.nodes) {
        const seq = models.target.newSequence();
        const out = await models.target.readLogits(seq, [[...all.slice(0, e.position), ...pathTo(n.parent)]], 1);
        seq.dispose();
        expect(n.p, `${strategy}: draft at ${e.position} depth ${n.depth} (${n.status})`).toBeCloseTo(Math.exp(logSoftmax(out.logits.subarray(0, out.vocab))[n.token]), 4);
      }
    }
  });
});

describe('relaxed acceptance (lossy, opt-in)', () => {
  it('k = 1 or delta = 0 reduces to exact acceptance; otherwise it reports its drift', async () => {
    const base = { temperature: 1, prompt: PROMPTS[1], max_new_tokens: 24, seed: 21 };
    for (const strategy of ['spec-chain', 'spec-tree']) {
      const exact = await run(config({ ...base, strategy }));
      for (const relaxed of [{ relaxed_neighbors: 1, relaxed_delta: 0.5 }, { relaxed_neighbors: 8, relaxed_delta: 0 }]) {
        const t = await run(config({ ...base, strategy, relaxed_acceptance: true, ...relaxed }));
        expect(tokenIds(t), `${strategy} ${JSON.stringify(relaxed)}`).toEqual(tokenIds(exact));
        for (const e of specEvents(t)) {
          expect(e.data.relaxed!.unavailable).toBeUndefined();
          expect(e.data.relaxed!.drift).toBeCloseTo(0, 9);
          expect(e.data.relaxed!.relaxedAccepts).toBe(0);
        }
      }
      const lossy = await run(config({ ...base, strategy, relaxed_acceptance: true, relaxed_neighbors: 8, relaxed_delta: 0.5 }));
      const ev = specEvents(lossy);
      expect(ev.every((e) => e.data.relaxed!.drift >= 0 && e.data.relaxed!.drift <= 1)).toBe(true);
      expect(ev.some((e) => e.data.relaxed!.drift > 0)).toBe(true);
    }
    // Greedy with k = 1 is greedy.
    const g = await run(config({ strategy: 'greedy', prompt: PROMPTS[0], max_new_tokens: 16 }));
    const r = await run(config({ strategy: 'spec-chain', temperature: 0, relaxed_acceptance: true, relaxed_neighbors: 1, prompt: PROMPTS[0], max_new_tokens: 16 }));
    expect(tokenIds(r)).toEqual(tokenIds(g));
  });
});

describe('draft proposers', () => {
  it('prompt lookup proposes the continuation of the most recent earlier n-gram match', () => {
    expect(promptLookup([1, 2, 3, 4, 1, 2, 3, 9, 1, 2, 3], 3, 4)).toEqual({ tokens: [9, 1, 2, 3], ngram: 3, from: 7 });
    expect(promptLookup([5, 6, 7, 5], 3, 2)).toEqual({ tokens: [6, 7], ngram: 1, from: 1 });
    expect(promptLookup([1, 2, 3], 2, 2)).toBeNull();
  });

  it('draft children: inverse-CDF draws follow q (chi-square, alpha 0.001); without replacement they are distinct', () => {
    const q = [0.5, 0, 0.2, 0.15, 0.1, 0.05];
    const counts = new Array(q.length).fill(0);
    for (let t = 0; t < 5000; t++) counts[drawInverseCdf(q, uniform(9, t, purposeWord('draft', 1), 0))]++;
    expect(counts[1]).toBe(0);
    expect(chiSquare(counts.filter((_, i) => i !== 1), q.filter((_, i) => i !== 1))).toBeLessThan(chiSquareCritical001(4));
    // Second draw without replacement: P(x2 = y) = sum_x q(x) q(y) / (1 - q(x)).
    const second = new Array(q.length).fill(0);
    for (let t = 0; t < 5000; t++) {
      const d = drawWithoutReplacement(q, 3, (k) => uniform(9, t, purposeWord('draft', 2), k));
      expect(new Set(d).size).toBe(3);
      second[d[1]]++;
    }
    const exp2 = q.map((qy, y) => q.reduce((a, qx, x) => (x === y ? a : a + (qx * qy) / (1 - qx)), 0));
    expect(chiSquare(second.filter((_, i) => i !== 1), exp2.filter((_, i) => i !== 1))).toBeLessThan(chiSquareCritical001(4));
    expect(drawWithoutReplacement(q, 9, () => 0.5)).toHaveLength(5);
  });

  it('the recycling table keeps the latest top-k successors and builds a BFS tree', () => {
    const V = 6;
    const table = new SuccessorTable(V, 2);
    const top2 = (row: number[]) => topKIds(row, 0, V, 2);
    table.set(0, top2([0, 5, 1, 4, 0, 0]));
    table.set(1, top2([9, 0, 0, 0, 0, 8]));
    expect(table.successors(0)).toEqual([1, 3]);
    const tree = table.draftTree(0, 2, 2);
    expect(tree.tokens).toEqual([0, 1, 3, 0, 5]);
    expect(tree.parents).toEqual([-1, 0, 0, 1, 1]);
    table.set(0, top2([7, 0, 0, 0, 0, 0]));
    expect(table.successors(0)[0]).toBe(0);
    table.set(0, [4]);
    expect(table.successors(0)).toEqual([4]);
  });
});
