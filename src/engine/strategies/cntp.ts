/**
 * CNTP, Cautious Next Token Prediction (DESIGN section 3). Sampling, except at uncertain steps:
 *
 * - each step first samples as plain sampling does (Gumbel-max keyed by (seed, position,
 *   'sample', sub 0)) and reads the step's raw entropy H;
 * - N = 1 + floor((Nmax - 1) * clamp((H - Hmin) / (Hmax - Hmin), 0, 1)) (the reference code
 *   truncates with int()); N = 1 emits that sample, so with cntp_max_trials = 1 (or a low H) CNTP
 *   is plain sampling token for token;
 * - N > 1: the sequence is forked into N rows and trial t samples its j-th token with key
 *   (seed, position P + j, 'sample', sub = trialSub(P, t)), all trials batched (one forward per
 *   trial token). Sub-streams are unique per (decision position, trial), never 0, so trials draw
 *   independent numbers and never reuse a plain step's; finished trials leave the batch;
 * - a trial ends with a token whose text contains . , ; : ! ? or a newline, with EOS, or at the
 *   cap min(cntp_max_trial_tokens, tokens left in the run, room left in the context);
 * - perplexity = exp(-mean log q(token)), q the processed distribution each token was sampled
 *   from (as the reference code); the lowest perplexity wins (ties: lower trial index) and all its
 *   tokens are emitted (source 'trial-winner'); a 'cntp' event lists every trial. The sequence is
 *   rolled back to the decision point and the winner's tokens are fed in one forward.
 *
 * Every kernels call reads back only top-k lists and scalars; the trials' first tokens are drawn
 * from the decision step's own logits row, used once per trial in one call.
 *
 * The trigger reads the raw entropy (the one the timeline shows); the reference code measures the
 * processed distribution, which differs once temperature or truncation is on.
 */
import type { Logits, StepRowResult } from '../kernels/types.ts';
import type { CntpData, CntpTrialStop } from '../trace/strategy-events.ts';
import type { StrategyEvent, TokenEvent } from '../trace/types.ts';
import type { DecodeConfig } from '../config/params.ts';
import { processorConfig } from './processor-config.ts';
import { contextRoom, decodeIds, isPunctuationToken, stepLogits, stepOnRows, tokenEvent } from './shared-rerank.ts';
import { DISPLAY_TOP_K } from './sampling.ts';
import { argmax, isGreedy } from './tokens.ts';
import { withSequence, type Emitted, type Strategy } from './types.ts';

/** Trial sub-streams per decision (cntp_max_trials is at most 32). */
const TRIAL_STRIDE = 64;

/** RNG sub-stream of trial t of the decision at position P (1 .. 2^24 - 1; 0 is plain sampling's). */
export function trialSub(position: number, trial: number): number {
  return 1 + ((position * TRIAL_STRIDE + trial) % ((1 << 24) - 1));
}

/** Number of trials at entropy H (nats). */
export function cntpTrialCount(entropy: number, c: Pick<DecodeConfig, 'cntp_max_trials' | 'cntp_entropy_min' | 'cntp_entropy_max'>): number {
  const lo = c.cntp_entropy_min;
  const hi = c.cntp_entropy_max;
  const x = hi > lo ? Math.min(1, Math.max(0, (entropy - lo) / (hi - lo))) : entropy >= hi ? 1 : 0;
  return 1 + Math.floor((c.cntp_max_trials - 1) * (Number.isFinite(x) ? x : 0));
}

interface Trial {
  steps: StepRowResult[];
  ids: number[];
  stop?: CntpTrialStop;
}

export const cntp: Strategy = (ctx) => {
  const { target, config } = ctx;
  const processors = processorConfig(config);
  const plainSource = isGreedy(config) ? 'greedy' : 'sampled';
  const sampleRow = (contextIds: readonly number[], step: number, sub: number) => ({
    config: processors,
    contextIds,
    choose: 'sample' as const,
    seed: config.seed,
    step,
    sub,
  });

  return withSequence(target.newSequence(1), async function* (seq): AsyncGenerator<Emitted[], void, void> {
    let next = ctx.promptIds;
    let index = 0;
    while (ctx.remaining() > 0) {
      const logits = await target.forwardLogits(seq, [next], 1);
      const P = seq.length;
      const [row] = await stepLogits(ctx, logits, [sampleRow(seq.tokens(0), P, 0)], DISPLAY_TOP_K);
      const N = cntpTrialCount(row.entropy, config);
      if (N <= 1) {
        yield [tokenEvent(target, row, row.choice!, { index: index++, position: P, source: plainSource })];
        next = [row.choice!.token];
        continue;
      }

      const forwards0 = target.forwards;
      const budget = ctx.remaining();
      const room = contextRoom(target, P);
      const cap = Math.min(config.cntp_max_trial_tokens, budget, room);
      const capReason: CntpTrialStop = cap === config.cntp_max_trial_tokens ? 'cap' : cap === budget ? 'budget' : 'context';
      const trials = await runTrials(N, P, logits, cap, capReason);
      const perplexity = trials.map((t) => Math.exp(-t.steps.reduce((a, s) => a + Math.log(s.choice!.processedProb), 0) / t.steps.length));
      const winner = argmax(perplexity.map((p) => -p));
      const w = trials[winner];
      // Back to the decision point; the next forward feeds the winner's tokens in one pass.
      seq.gatherRows([0]);
      seq.truncate(P);

      const data: CntpData = {
        entropy: row.entropy,
        trials: trials.map((t, i) => ({ ids: t.ids, text: decodeIds(target, t.ids), perplexity: perplexity[i], stop: t.stop })),
        winner,
        forwards: target.forwards - forwards0,
      };
      const event: StrategyEvent<'cntp'> = { type: 'strategy', kind: 'cntp', position: P, data };
      const tokens: TokenEvent[] = w.steps.map((s, j) => tokenEvent(target, s, s.choice!, { index: index++, position: P + j, source: 'trial-winner' }));
      yield [event, ...tokens];
      next = w.ids;
    }

    /**
     * N trials from position P (whose one logits row is `first`), batched as rows of `seq`; rows
     * of finished trials are dropped (gatherRows) so later forwards only run the live ones.
     */
    async function runTrials(N: number, P: number, first: Logits, cap: number, capReason: CntpTrialStop): Promise<Trial[]> {
      const trials: Trial[] = Array.from({ length: N }, () => ({ steps: [], ids: [] }));
      seq.gatherRows(trials.map(() => 0));
      let live = trials.map((_, t) => t); // row r of seq holds trial live[r]
      let logits = first;
      for (let j = 0; ; j++) {
        const rows = await stepOnRows(
          ctx,
          logits,
          live.map((t, r) => ({ row: j === 0 ? 0 : r, request: sampleRow(seq.tokens(r), P + j, trialSub(P, t)) })),
          DISPLAY_TOP_K,
        );
        rows.forEach((st, r) => {
          const tr = trials[live[r]];
          const id = st.choice!.token;
          tr.steps.push(st);
          tr.ids.push(id);
          if (target.isEos(id)) tr.stop = 'eos';
          else if (isPunctuationToken(target, id)) tr.stop = 'punctuation';
          else if (tr.ids.length >= cap) tr.stop = capReason;
        });
        const keep = live.map((t, r) => ({ t, r })).filter(({ t }) => !trials[t].stop);
        if (keep.length === 0) return trials;
        if (keep.length < live.length) {
          seq.gatherRows(keep.map(({ r }) => r));
          live = keep.map(({ t }) => t);
        }
        logits = await target.forwardLogits(
          seq,
          live.map((t) => [trials[t].ids[trials[t].ids.length - 1]]),
          1,
        );
      }
    }
  });
};
