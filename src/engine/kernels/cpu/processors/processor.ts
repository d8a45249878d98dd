import type { Normalizer, RowState } from '../row.ts';

/**
 * Per-row processor state a sampling strategy carries from one step to the next (mirostat's
 * `mirostat_mu`): named numbers, owned by the processor that declares them (descriptor `state`).
 */
export type ProcessorState = Readonly<Record<string, number>>;

/** Per-row facts a stage may need besides the scores. */
export interface RowContext {
  contextIds?: ArrayLike<number>;
  /** The row's RNG key (rng.ts), for stages that draw (XTC). */
  rng?: { seed: number; step: number; sub: number };
  /** The row's carried processor state (mirostat's mu); absent before the first step. */
  state?: ProcessorState;
  /** Written by the temperature stage: the effective temperature (dynatemp), for the trace. */
  temperature: number;
}

/**
 * One logits processor (one Hugging Face warper). `apply` mutates the row: it may rescale the
 * candidates' scores or drop candidates (via `retain`), never add any. `norm` is the softmax
 * normalizer of the row as it enters the stage, shared so no stage recomputes it.
 *
 * A stage that rescales scores may return the normalizer of the row it leaves (exact: the max over
 * the candidates, and the sum of exp(s - max) to rounding) when it has it for less than a pass
 * over the row; otherwise (void) the chain computes it.
 */
export interface Processor {
  /** The stage name of its descriptor (processors/registry.ts). */
  readonly name: string;
  /** false when apply reads only norm.max, never norm.z (a lean row then skips the raw pass: pipeline.ts). */
  readonly readsZ?: boolean;
  apply(st: RowState, norm: Normalizer, ctx: RowContext): Normalizer | void;
  /** A fixed temperature's T (> 0; not dynatemp): with a top-k after it, the row runs both fused (tempered-top-k.ts). */
  readonly fixedTemperature?: number;
  /** A top-k stage's k. */
  readonly topK?: number;
}
