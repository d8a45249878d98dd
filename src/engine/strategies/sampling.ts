/**
 * Greedy and ancestral sampling: one target forward per token, the kernels process the logits
 * and choose (argmax, or Gumbel-max keyed by the token's position so a seed reproduces the run).
 * Processor state (mirostat's mu) is carried here: each step runs with the state the previous
 * one left, advanced by the chosen token's processed probability.
 */
import { initialState, nextState } from '../kernels/processors/registry.ts';
import { processorConfig } from './processor-config.ts';
import { isGreedy } from './tokens.ts';
import { withSequence, type Strategy, type StrategyContext } from './types.ts';
import { tokenEventFromStep } from '../trace/events.ts';
import type { TokenEvent } from '../trace/types.ts';

/** Displayed candidates per step. */
export const DISPLAY_TOP_K = 10;

function decodeLoop(ctx: StrategyContext, greedy: boolean): AsyncGenerator<TokenEvent[], void, void> {
  const { target, kernels, config } = ctx;
  const processors = processorConfig(config);
  return withSequence(target.newSequence(1), async function* (seq) {
    let next = ctx.promptIds;
    // Processor state carried from token to token (mirostat's mu); undefined when none keeps any.
    let state = initialState(processors);
    for (let index = 0; ctx.remaining() > 0; index++) {
      const logits = await target.forwardLogits(seq, [next], 1);
      const position = seq.length;
      try {
        const res = await kernels.step(logits, {
          rows: [
            {
              config: processors,
              contextIds: seq.tokens(0),
              choose: greedy ? 'greedy' : 'sample',
              seed: config.seed,
              step: position,
              state,
            },
          ],
          topK: DISPLAY_TOP_K,
        });
        ctx.countReadBack(res.bytesReadBack);
        const row = res.rows[0];
        const source = greedy || isGreedy(config) ? 'greedy' : 'sampled';
        const event = tokenEventFromStep(row, { index, position, step: position, source }, (id) => target.tokenText(id));
        const before = state;
        state = nextState(processors, state, row.choice!.processedProb);
        if (before && state) event.processorState = { before, after: state };
        yield [event];
        next = [row.choice!.token];
      } finally {
        kernels.dispose(logits);
      }
    }
  });
}

export const greedy: Strategy = (ctx) => decodeLoop(ctx, true);
export const sample: Strategy = (ctx) => decodeLoop(ctx, false);
