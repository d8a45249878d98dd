/**
 * AdaDec on the embedded target: equals greedy when tau is above every step's entropy; with
 * tau = 0 it triggers at every step and each winner has the best score, checked against an
 * independent recomputation (fresh sequence per candidate, one-by-one greedy lookahead, log-softmax
 * of the raw logits).
 */
import { describe, expect, it } from 'vitest';
import type { DecodeConfig } from '../config/index.ts';
import type { StrategyEvent } from '../trace/types.ts';
import { config, logSoftmax, runTrace, tokenIds, useEmbeddedModels } from '../../../tests/support/strategy-setup.ts';

const models = useEmbeddedModels();
const run = (c: DecodeConfig) => runTrace(c, models);
const argmax = (l: number[]) => l.reduce((b, v, i) => (v > l[b] ? i : b), 0);

/** log p(c) + mean log p(lookahead), recomputed from scratch: one fresh sequence per forward. */
async function independentScore(context: number[], cand: number, L: number): Promise<{ score: number; ids: number[] }> {
  const logits = async (ids: number[]) => {
    const s = models.target.newSequence();
    try {
      return logSoftmax((await models.target.readLogits(s, [ids], 1)).logits);
    } finally {
      s.dispose();
    }
  };
  const first = await logits(context);
  const ids: number[] = [];
  const lps: number[] = [];
  let ctx = [...context, cand];
  for (let j = 0; j < L && ctx.length <= models.target.info.maxPositions; j++) {
    const l = await logits(ctx);
    const t = argmax(l);
    ids.push(t);
    lps.push(l[t]);
    if (models.target.isEos(t)) break;
    ctx = [...ctx, t];
  }
  return { score: first[cand] + (lps.length ? lps.reduce((a, b) => a + b, 0) / lps.length : 0), ids };
}

describe('AdaDec', () => {
  const prompt = 'The jury said it did find that';

  it('never triggers when tau is above every step entropy, and then equals greedy', async () => {
    const g = await run(config({ strategy: 'greedy', prompt, max_new_tokens: 24 }));
    const tau = Math.max(...g.tokens.map((t) => t.entropy)) + 0.01;
    const a = await run(config({ strategy: 'adadec', adadec_tau: tau, prompt, max_new_tokens: 24 }));
    expect(a.events).toEqual([]);
    expect(tokenIds(a)).toEqual(tokenIds(g));
    expect(a.tokens.every((t) => t.source === 'greedy')).toBe(true);
    expect(a.end.stats.targetForwards).toBe(g.end.stats.targetForwards);
    // One candidate: nothing to rerank, greedy at any tau.
    const one = await run(config({ strategy: 'adadec', adadec_tau: 0, adadec_candidates: 1, prompt, max_new_tokens: 24 }));
    expect(tokenIds(one)).toEqual(tokenIds(g));
    expect(one.events).toEqual([]);
  });

  it('with tau = 0 triggers at every step; each winner has the best score, as recomputed independently', async () => {
    const B = 3;
    const L = 4;
    const a = await run(config({ strategy: 'adadec', adadec_tau: 0, adadec_candidates: B, adadec_lookahead: L, prompt, max_new_tokens: 6 }));
    expect(a.end.reason, a.end.error).not.toBe('error');
    const events = a.events as StrategyEvent<'adadec'>[];
    expect(events.length).toBe(a.tokens.length);
    const promptIds = models.target.encode(prompt);
    for (const [i, e] of events.entries()) {
      const tok = a.tokens[i];
      expect(e.position).toBe(tok.position);
      expect(e.data.entropy).toBeCloseTo(tok.entropy, 9);
      expect(e.data.candidates.length).toBe(B);
      // Candidate 0 is the argmax; the candidates are the top-B in order.
      expect(e.data.candidates.map((c) => c.id)).toEqual(tok.processedTop.slice(0, B).map((t) => t.id));
      const scores = e.data.candidates.map((c) => c.score);
      expect(scores[e.data.winner]).toBe(Math.max(...scores));
      expect(tok.id).toBe(e.data.candidates[e.data.winner].id);
      expect(tok.source).toBe(e.data.winner === 0 ? 'greedy' : 'reranked');
      const context = [...promptIds, ...a.tokens.slice(0, i).map((t) => t.id)];
      for (const c of e.data.candidates) {
        expect(c.lookahead.ids.length).toBe(L);
        expect(c.score).toBeCloseTo(c.logprob + c.lookahead.meanLogprob, 9);
        const ref = await independentScore(context, c.id, L);
        expect(c.lookahead.ids).toEqual(ref.ids);
        expect(Math.abs(c.score - ref.score)).toBeLessThan(1e-3);
      }
    }
    // Lookahead cost: L forwards per trigger, plus one forward per emitted token.
    expect(a.end.stats.targetForwards).toBe(a.tokens.length + events.length * L);
  });

  it('is deterministic (seed-independent) at the default tau', async () => {
    const a = await run(config({ strategy: 'adadec', prompt, max_new_tokens: 8, seed: 1 }));
    const b = await run(config({ strategy: 'adadec', prompt, max_new_tokens: 8, seed: 2 }));
    expect(a.end.reason, a.end.error).not.toBe('error');
    expect(tokenIds(a)).toEqual(tokenIds(b));
    expect(a.events).toEqual(b.events);
  });

  it('survives extreme settings: 16 candidates with a 32-token lookahead', async () => {
    const a = await run(config({ strategy: 'adadec', adadec_tau: 0, adadec_candidates: 16, adadec_lookahead: 32, prompt, max_new_tokens: 1 }));
    expect(a.end.reason, a.end.error).toBe('max_tokens');
    const e = (a.events[0] as StrategyEvent<'adadec'>).data;
    expect(e.candidates).toHaveLength(16);
    expect(e.candidates.every((c) => c.lookahead.ids.length === 32 || models.target.isEos(c.lookahead.ids.at(-1)!))).toBe(true);
  });
});
