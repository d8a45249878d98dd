import type { DecodeConfig } from '../config/params.ts';
import type { Kernels } from '../kernels/types.ts';
import type { ModelRunner, Sequence } from '../model/runner.ts';
import type { StrategyEvent, TokenEvent } from '../trace/types.ts';

/** What a strategy gets: the models, the kernels, the prompt already encoded, and its budget. */
export interface StrategyContext {
  config: DecodeConfig;
  target: ModelRunner;
  draft?: ModelRunner;
  kernels: Kernels;
  promptIds: number[];
  /** Tokens the strategy may still emit (the driver also stops on EOS and stop strings). */
  remaining(): number;
  /** Adds bytes the kernels read back from the GPU to the run's stats. */
  countReadBack(bytes: number): void;
  /** Kernels a strategy creates itself, wrapped so their calls count as the run's kernel time. */
  timeKernels<K extends Kernels>(kernels: K): K;
  /** Run kernels (already timed) wrapped once more so their calls also count as draft kernel time (timing.draftKernelsMs). */
  timeDraftKernels<K extends Kernels>(kernels: K): K;
}

/**
 * A strategy yields what it emits, in order: tokens (possibly several per iteration: a
 * speculative step accepts many) and strategy events describing its decisions. The driver stops it
 * (generator return) at EOS, stop strings or the budget, so a strategy must release its sequences
 * in a `finally`.
 */
export type Emitted = TokenEvent | StrategyEvent;
export type Strategy = (ctx: StrategyContext) => AsyncGenerator<Emitted[], void, void>;

/** Runs a strategy's sequences and cleans them up however the generator ends. */
export function withSequence<T>(seq: Sequence, body: (seq: Sequence) => AsyncGenerator<T, void, void>): AsyncGenerator<T, void, void> {
  return (async function* () {
    try {
      yield* body(seq);
    } finally {
      seq.dispose();
    }
  })();
}
