/**
 * Beam search (Hugging Face semantics, deterministic: the seed has no effect).
 *
 * - B = num_beams live beams, all of the same length, batched as B rows of one Sequence: one target
 *   forward per step; `gatherRows` reorders / duplicates the KV rows after each selection.
 * - A beam's log-probability is the sum of the processed log-probabilities of its tokens
 *   (log-softmax after the processors, i.e. the repetition penalty; as HF's beam scores).
 * - Each step takes the top 2B processed tokens of every live beam, sorts all (beam, token) pairs
 *   by summed log-probability (ties: lower beam row, then the kernels' top-k order) and walks down
 *   the list: an EOS candidate within the first B becomes a finished hypothesis, any other EOS is
 *   skipped, and non-EOS candidates fill the B live beams of the next step.
 * - Score of a hypothesis = logprob / length ^ length_penalty, length = generated tokens counting
 *   the EOS. Live beams reaching the token budget (max_new_tokens, or the context limit) are
 *   finalized as hypotheses without EOS.
 * - Early stop: once some hypothesis is finished and no live beam scores above the best finished
 *   one at its current length (HF's default heuristic; exact for length_penalty <= 0, where a
 *   beam's score can only fall as it grows).
 * - The result is the finished hypothesis with the best score (first found on ties).
 *
 * Kernels calls per step: one over the B rows (top max(2B, 10) processed tokens, choose 'none'),
 * then one 'force' row per selected candidate to describe it (raw probability and rank): on
 * WebGPU the logits never leave the GPU.
 *
 * Streaming: the final winner is either the best finished hypothesis so far or an extension of a
 * live beam, so the longest common prefix of those is fixed; it is emitted as soon as it grows.
 * Every step yields a 'beam' event with the live beams (best first) and the hypotheses finished in
 * that step. At num_beams = 1 this is greedy decoding (the argmax is always the only live beam and
 * an EOS argmax ends the search at once).
 */
import type { Choice, Logits, RowRequest, StepRowResult } from '../kernels/types.ts';
import type { BeamStepData } from '../trace/strategy-events.ts';
import type { StrategyEvent, TokenEvent } from '../trace/types.ts';
import { processorConfig } from './processor-config.ts';
import { contextFullError, contextRoom, decodeIds, forceRow, stepLogits, stepOnRows, tokenEvent } from './shared-rerank.ts';
import { DISPLAY_TOP_K } from './sampling.ts';
import { withSequence, type Emitted, type Strategy } from './types.ts';

/** One generated token of a beam, shared by the beams that extend it. */
interface BeamNode {
  token: number;
  position: number;
  stats: StepRowResult;
  choice: Choice;
  parent: BeamNode | null;
}

interface Beam {
  node: BeamNode | null;
  logprob: number;
  length: number;
  /** Row of the parent beam in the previous step (the event's `parent`). */
  parentRow: number;
}

export const beamScore = (logprob: number, length: number, lengthPenalty: number): number =>
  length > 0 ? logprob / Math.pow(length, lengthPenalty) : logprob;

function idsOf(node: BeamNode | null): number[] {
  const out: number[] = [];
  for (let n = node; n; n = n.parent) out.push(n.token);
  return out.reverse();
}

function nodesOf(node: BeamNode | null): BeamNode[] {
  const out: BeamNode[] = [];
  for (let n = node; n; n = n.parent) out.push(n);
  return out.reverse();
}

function commonPrefix(lists: number[][]): number {
  if (lists.length === 0) return 0;
  let n = Math.min(...lists.map((l) => l.length));
  for (let i = 0; i < n; i++) {
    const t = lists[0][i];
    if (lists.some((l) => l[i] !== t)) return i;
  }
  return n;
}

export const beam: Strategy = (ctx) => {
  const { target, config } = ctx;
  const B = config.num_beams;
  const lp = config.length_penalty;
  const processors = processorConfig(config);
  const P0 = ctx.promptIds.length;
  const budget = ctx.remaining();
  const room = contextRoom(target, P0);
  const maxLen = Math.min(budget, room);
  const text = (ids: number[]) => decodeIds(target, ids);

  return withSequence(target.newSequence(1), async function* (seq): AsyncGenerator<Emitted[], void, void> {
    if (maxLen <= 0) {
      if (room <= 0) throw contextFullError(target);
      return;
    }
    let logits: Logits = await target.forwardLogits(seq, [ctx.promptIds], 1);
    let live: Beam[] = [{ node: null, logprob: 0, length: 0, parentRow: 0 }];
    let best: (Beam & { score: number }) | null = null;
    let emitted = 0;

    const emit = (upTo: BeamNode[], n: number): TokenEvent[] => {
      const out: TokenEvent[] = [];
      for (; emitted < n; emitted++) {
        const node = upTo[emitted];
        out.push(tokenEvent(target, node.stats, node.choice, { index: emitted, position: node.position, source: 'beam' }));
      }
      return out;
    };

    for (let step = 0; ; step++) {
      const position = P0 + step;
      const request = (r: number): RowRequest => ({ config: processors, contextIds: seq.tokens(r), choose: 'none', seed: config.seed, step: position });
      const stats = await stepLogits(
        ctx,
        logits,
        live.map((_, r) => request(r)),
        Math.max(2 * B, DISPLAY_TOP_K),
      );
      // Every (beam, token) pair among each beam's top 2B, best summed log-probability first.
      const cands: { row: number; k: number; token: number; logprob: number }[] = [];
      stats.forEach((s, row) => {
        s.processedTop.ids.slice(0, 2 * B).forEach((token, k) => {
          const l = s.processedTop.logprobs[k];
          if (l > -Infinity) cands.push({ row, k, token, logprob: live[row].logprob + l });
        });
      });
      cands.sort((a, b) => b.logprob - a.logprob || a.row - b.row || a.k - b.k);

      // Walk the candidates: EOS ones within the first B finish a hypothesis, others extend a beam.
      const selected: { c: (typeof cands)[number]; eos: boolean }[] = [];
      for (let i = 0, extended = 0; i < cands.length && extended < B; i++) {
        const c = cands[i];
        const eos = target.isEos(c.token);
        if (eos && i >= B) continue;
        selected.push({ c, eos });
        if (!eos) extended++;
      }
      // The selected tokens described on their beams' rows (before the next forward replaces the logits).
      const described = await stepOnRows(
        ctx,
        logits,
        selected.map(({ c }) => ({ row: c.row, request: forceRow(request(c.row), c.token) })),
        1,
      );
      const next: Beam[] = [];
      const finished: (Beam & { score: number })[] = [];
      selected.forEach(({ c, eos }, i) => {
        const node: BeamNode = { token: c.token, position, stats: stats[c.row], choice: described[i].choice!, parent: live[c.row].node };
        const h = { node, logprob: c.logprob, length: live[c.row].length + 1, parentRow: c.row };
        if (eos) finished.push({ ...h, score: beamScore(h.logprob, h.length, lp) });
        else next.push(h);
      });
      // At the budget the live beams become hypotheses as they are.
      const atLimit = step + 1 >= maxLen;
      if (atLimit) for (const b of next.splice(0)) finished.push({ ...b, score: beamScore(b.logprob, b.length, lp) });
      for (const h of finished) if (!best || h.score > best.score) best = h;
      const bestScore = best?.score ?? -Infinity;
      const done = next.length === 0 || (best !== null && next.every((b) => beamScore(b.logprob, b.length, lp) <= bestScore));

      const data: BeamStepData = {
        step,
        beams: [
          ...next.map((b) => ({ ids: idsOf(b.node), logprob: b.logprob, score: beamScore(b.logprob, b.length, lp), parent: b.parentRow, finished: false })),
          ...finished.map((h) => ({ ids: idsOf(h.node), logprob: h.logprob, score: h.score, parent: h.parentRow, finished: true })),
        ].map((b) => ({ ...b, text: text(b.ids) })),
      };
      if (best) data.best = { ids: idsOf(best.node), score: best.score };
      if (done) data.done = atLimit ? 'limit' : 'early-stop';
      const event: StrategyEvent<'beam'> = { type: 'strategy', kind: 'beam', position, data };
      const out: Emitted[] = [event];

      if (done) {
        if (!best) throw new Error('beam search ended without a hypothesis');
        const winner = nodesOf(best.node);
        out.push(...emit(winner, winner.length));
        yield out;
        if (room < budget && winner.length >= room && !target.isEos(winner[winner.length - 1].token)) throw contextFullError(target);
        return;
      }
      // Stream the prefix every possible winner shares.
      const contenders = next.map((b) => idsOf(b.node));
      if (best) contenders.push(idsOf(best.node));
      const fixed = commonPrefix(contenders);
      if (fixed > emitted) out.push(...emit(nodesOf(next[0].node), fixed));
      yield out;

      seq.gatherRows(next.map((b) => b.parentRow));
      logits = await target.forwardLogits(
        seq,
        next.map((b) => [b.node!.token]),
        1,
      );
      live = next;
    }
  });
};
