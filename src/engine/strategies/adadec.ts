/**
 * AdaDec (uncertainty-guided lookahead rerank, DESIGN section 3). Greedy decoding, except at steps
 * whose raw entropy H (nats) exceeds tau:
 *
 * - candidates: the first B = adadec_candidates entries of the step's processed top-k (candidate 0
 *   is the greedy argmax);
 * - lookahead: the sequence is forked into B rows (`gatherRows`), each row is fed its candidate and
 *   decoded greedily for L = adadec_lookahead tokens, all rows in one forward per lookahead token
 *   (a row that reaches EOS stops counting); then the rows are truncated back and merged to one;
 * - score(c) = log p(c) + mean over the lookahead tokens of log p(token), all processed
 *   log-probabilities (the repetition penalty applies; with it off they are the model's own);
 * - the best score wins (ties go to the lower candidate index, so the argmax wins ties). Its token
 *   is emitted with source 'reranked', or 'greedy' when the argmax wins, and an 'adadec' event
 *   records every candidate with its lookahead text and score.
 *
 * With adadec_candidates = 1 it is greedy decoding (nothing to rerank, no lookahead, no events).
 * Deterministic (no random draws). The lookahead is cut at the model's context limit (a shorter
 * mean; a candidate with no room scores by log p(c) alone). The paper learns tau per model; the
 * reference code also weights the lookahead term, which is 1 here.
 *
 * Kernels calls read back only top-k lists and scalars: the step's row, 'force' rows describing the
 * other candidates (made before the lookahead, whose forwards replace the logits), and one greedy
 * row per candidate per lookahead token (top-1).
 */
import type { RowRequest } from '../kernels/types.ts';
import type { AdaDecData } from '../trace/strategy-events.ts';
import type { StrategyEvent } from '../trace/types.ts';
import { processorConfig } from './processor-config.ts';
import { decodeIds, forceRow, stepLogits, stepOnRows, tokenEvent } from './shared-rerank.ts';
import { DISPLAY_TOP_K } from './sampling.ts';
import { argmax } from './tokens.ts';
import { withSequence, type Emitted, type Strategy } from './types.ts';

export const adadec: Strategy = (ctx) => {
  const { target, config } = ctx;
  const processors = processorConfig(config);
  const tau = config.adadec_tau;
  const B = config.adadec_candidates;
  const L = config.adadec_lookahead;
  const greedyRow = (contextIds: readonly number[], step: number): RowRequest => ({
    config: processors,
    contextIds,
    choose: 'greedy',
    seed: config.seed,
    step,
  });

  return withSequence(target.newSequence(1), async function* (seq): AsyncGenerator<Emitted[], void, void> {
    let next = ctx.promptIds;
    for (let index = 0; ctx.remaining() > 0; index++) {
      const logits = await target.forwardLogits(seq, [next], 1);
      const P = seq.length;
      const [row] = await stepLogits(ctx, logits, [greedyRow(seq.tokens(0), P)], Math.max(B, DISPLAY_TOP_K));

      // One candidate (adadec_candidates = 1) has nothing to rerank: greedy, no lookahead.
      if (!(row.entropy > tau) || B < 2) {
        yield [tokenEvent(target, row, row.choice!, { index, position: P, source: 'greedy' })];
        next = [row.choice!.token];
        continue;
      }

      const top = row.processedTop;
      const cands = top.ids.slice(0, B).filter((_, i) => top.logprobs[i] > -Infinity);
      // Describe the candidates the kernels did not choose now: the lookahead's forwards replace these logits.
      const others = cands.filter((id) => id !== row.choice!.token);
      const described = await stepOnRows(
        ctx,
        logits,
        others.map((id) => ({ row: 0, request: forceRow(greedyRow(seq.tokens(0), P), id) })),
        1,
      );
      const forwards0 = target.forwards;
      const look = await lookahead(cands, P);
      const scored = cands.map((id, i) => {
        const lps = look[i].logprobs;
        const mean = lps.length ? lps.reduce((a, b) => a + b, 0) / lps.length : 0;
        return { id, logprob: top.logprobs[i], lookahead: look[i].ids, mean, score: top.logprobs[i] + mean };
      });
      const winner = argmax(scored.map((c) => c.score));
      const data: AdaDecData = {
        entropy: row.entropy,
        tau,
        candidates: scored.map((c) => ({
          id: c.id,
          text: target.tokenText(c.id),
          logprob: c.logprob,
          lookahead: { ids: c.lookahead, text: decodeIds(target, c.lookahead), meanLogprob: c.mean },
          score: c.score,
        })),
        winner,
        forwards: target.forwards - forwards0,
      };
      const event: StrategyEvent<'adadec'> = { type: 'strategy', kind: 'adadec', position: P, data };
      const token = scored[winner].id;
      const choice = token === row.choice!.token ? row.choice! : described[others.indexOf(token)].choice!;
      yield [event, tokenEvent(target, row, choice, { index, position: P, source: winner === 0 ? 'greedy' : 'reranked' })];
      next = [token];
    }

    /** Greedy lookahead from each candidate, batched; the sequence is back to one row of length P after. */
    async function lookahead(cands: number[], P: number): Promise<{ ids: number[]; logprobs: number[] }[]> {
      const res = cands.map(() => ({ ids: [] as number[], logprobs: [] as number[], done: false }));
      const steps = Math.min(L, target.info.maxPositions - P);
      if (steps <= 0 || cands.length === 0) return res;
      seq.gatherRows(cands.map(() => 0));
      try {
        let feed = cands.map((c) => [c]);
        for (let j = 0; j < steps && res.some((r) => !r.done); j++) {
          const logits = await target.forwardLogits(seq, feed, 1);
          const rows = await stepLogits(
            ctx,
            logits,
            cands.map((_, r) => greedyRow(seq.tokens(r), P + 1 + j)),
            1,
          );
          feed = rows.map((st, r) => {
            const t = st.choice!.token;
            if (!res[r].done) {
              res[r].ids.push(t);
              res[r].logprobs.push(Math.log(st.choice!.processedProb));
              if (target.isEos(t)) res[r].done = true;
            }
            return [t];
          });
        }
      } finally {
        seq.truncate(P);
        seq.gatherRows([0]);
      }
      return res;
    }
  });
};
