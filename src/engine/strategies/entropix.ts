/**
 * Entropix-style adaptive sampling (DESIGN section 3). Each step is classified by the raw entropy H
 * and varentropy V of the next-token distribution: "high" means strictly above
 * entropix_entropy_threshold / entropix_varentropy_threshold. Actions:
 *
 * - low-low: argmax of the processed distribution (source 'greedy');
 * - high-entropy (H high, V low): if entropix_pause_text is set and the previous step was not a
 *   pause, insert the pause text's tokens (source 'forced'); otherwise sample at temperature
 *   entropix_boost_temperature (the other processors as configured), key (seed, P, 'sample', 0);
 * - high-varentropy (H low, V high): branch: draw entropix_branches samples with keys
 *   (seed, P, 'sample', sub b), b = 0..k-1, at the configured temperature, and keep the most
 *   confident branch = the drawn token with the highest raw probability (ties: lower b). The
 *   confidence is the token's own probability, not a continuation's (no extra forward pass);
 * - high-high: resample at temperature entropix_resample_temperature, key (seed, P, 'sample', 0).
 *
 * Every step yields an 'entropix' event with the quadrant and the action. A first kernels call
 * measures the step and takes the argmax; a second one samples when the quadrant asks for it
 * (branches: the step's row once per branch), and pause tokens are described by 'force' rows. Only
 * top-k lists and scalars are read back.
 * Deterministic for a seed: every draw is keyed by position.
 */
import type { Logits, ProcessorConfig, RowRequest, StepRowResult } from '../kernels/types.ts';
import type { EntropixData, EntropixQuadrant } from '../trace/strategy-events.ts';
import type { StrategyEvent, TokenEvent } from '../trace/types.ts';
import { processorConfig } from './processor-config.ts';
import { contextFullError, forceRow, logitsRows, stepLogits, stepOnRows, tokenEvent } from './shared-rerank.ts';
import { DISPLAY_TOP_K } from './sampling.ts';
import { argmax, isGreedy } from './tokens.ts';
import { withSequence, type Emitted, type Strategy } from './types.ts';

export function entropixQuadrant(entropy: number, varentropy: number, hThreshold: number, vThreshold: number): EntropixQuadrant {
  const hHigh = entropy > hThreshold;
  const vHigh = varentropy > vThreshold;
  if (hHigh) return vHigh ? 'high-high' : 'high-entropy';
  return vHigh ? 'high-varentropy' : 'low-low';
}

export const entropix: Strategy = (ctx) => {
  const { target, config } = ctx;
  const base = processorConfig(config);
  const pauseIds = config.entropix_pause_text ? target.encode(config.entropix_pause_text) : [];
  const at = (temperature: number): ProcessorConfig => ({ ...base, temperature });

  return withSequence(target.newSequence(1), async function* (seq): AsyncGenerator<Emitted[], void, void> {
    let index = 0;
    let lastWasPause = false;
    let logits: Logits = await target.forwardLogits(seq, [ctx.promptIds], 1);
    while (ctx.remaining() > 0) {
      const P = seq.length;
      const request = (cfg: ProcessorConfig, choose: 'greedy' | 'sample', sub = 0): RowRequest => ({ config: cfg, contextIds: seq.tokens(0), choose, seed: config.seed, step: P, sub });
      const step = (cfg: ProcessorConfig, choose: 'greedy' | 'sample', sub = 0) => stepLogits(ctx, logits, [request(cfg, choose, sub)], DISPLAY_TOP_K).then((r) => r[0]);
      const row = await step(base, 'greedy');
      const quadrant = entropixQuadrant(row.entropy, row.varentropy, config.entropix_entropy_threshold, config.entropix_varentropy_threshold);
      const data: EntropixData = { entropy: row.entropy, varentropy: row.varentropy, quadrant, action: '' };
      let emitted: TokenEvent[];
      let chosen: StepRowResult = row;

      if (quadrant === 'high-entropy' && pauseIds.length > 0 && !lastWasPause) {
        // Insert the pause text: its tokens are described at their own positions (one forward over all of them).
        data.action = `pause "${config.entropix_pause_text}"`;
        data.pause = config.entropix_pause_text;
        const n = Math.min(pauseIds.length, ctx.remaining());
        const ids = pauseIds.slice(0, n);
        if (P + n > target.info.maxPositions) throw contextFullError(target);
        const [first] = await stepLogits(ctx, logits, [forceRow(request(base, 'greedy'), ids[0])], 1);
        emitted = [tokenEvent(target, row, first.choice!, { index: index++, position: P, source: 'forced' })];
        const all = await target.forwardLogits(seq, [ids]);
        if (n > 1) {
          const inner = await stepOnRows(
            ctx,
            all,
            ids.slice(1).map((id, j) => ({
              row: j,
              request: { config: base, contextIds: seq.tokens(0).slice(0, P + 1 + j), choose: 'force', forceToken: id, seed: config.seed, step: P + 1 + j },
            })),
            DISPLAY_TOP_K,
          );
          inner.forEach((st, j) => emitted.push(tokenEvent(target, st, st.choice!, { index: index++, position: P + 1 + j, source: 'forced' })));
        }
        logits = logitsRows(all, n - 1, 1);
        lastWasPause = true;
        const event: StrategyEvent<'entropix'> = { type: 'strategy', kind: 'entropix', position: P, data };
        yield [event, ...emitted];
        continue;
      }

      let source: TokenEvent['source'] = 'sampled';
      if (quadrant === 'low-low') {
        data.action = 'argmax';
        source = 'greedy';
      } else if (quadrant === 'high-entropy' || quadrant === 'high-high') {
        // Sample again at another temperature: boosted when only the entropy is high, else the resample one.
        const boost = quadrant === 'high-entropy';
        const T = boost ? config.entropix_boost_temperature : config.entropix_resample_temperature;
        data.action = `${boost ? 'sample' : 'resample'} at T=${T}`;
        data.temperature = T;
        chosen = await step(at(T), 'sample');
      } else {
        const k = config.entropix_branches;
        const branches = await stepOnRows(
          ctx,
          logits,
          Array.from({ length: k }, (_, b) => ({ row: 0, request: request(base, 'sample', b) })),
          DISPLAY_TOP_K,
        );
        const best = argmax(branches.map((br) => br.choice!.rawProb));
        chosen = branches[best];
        data.action = `branch ${k}, keep the most probable`;
        data.branches = branches.map((br) => ({ id: br.choice!.token, text: target.tokenText(br.choice!.token), prob: br.choice!.rawProb }));
        data.branch = best;
      }
      if (source === 'sampled' && isGreedy(chosen)) source = 'greedy';
      const event: StrategyEvent<'entropix'> = { type: 'strategy', kind: 'entropix', position: P, data };
      const token = chosen.choice!.token;
      yield [event, tokenEvent(target, chosen, chosen.choice!, { index: index++, position: P, source })];
      lastWasPause = false;
      if (ctx.remaining() <= 0) return;
      logits = await target.forwardLogits(seq, [[token]], 1);
    }
  });
};
