/**
 * The trace: a typed, versioned stream of events that every strategy emits and every view, test
 * and export reads. A run is `start`, then `token` (and strategy) events in emission order, then
 * `end`. Events are plain JSON (no typed arrays) so they cross the worker boundary and export as is.
 *
 * Bump TRACE_VERSION when an existing field changes meaning; adding optional fields does not.
 */
import type { ProcessorState, StageStat } from '../kernels/types.ts';
import type { AdaDecData, BeamStepData, CntpData, EntropixData, SpecStepData } from './strategy-events.ts';
import type { TopEntry } from './top-entry.ts';

export type { TopEntry };

export const TRACE_VERSION = 1;

/** How a token came to be emitted. */
export type TokenSource =
  | 'greedy' // argmax of the processed distribution
  | 'sampled' // Gumbel-max sample of the processed distribution
  | 'forced' // chosen by the user (branching)
  | 'reranked' // AdaDec: a lookahead-scored candidate replaced the argmax
  | 'trial-winner' // CNTP: part of the lowest-perplexity trial
  | 'beam' // beam search: part of the best finished beam
  | 'draft-accepted' // speculative: a draft token the target accepted
  | 'residual-sample' // speculative: sampled from normalize(max(0, p - q)) after a rejection
  | 'bonus'; // speculative: sampled from the target after every draft was accepted

export interface TokenEvent {
  type: 'token';
  /** 0-based index among emitted tokens. */
  index: number;
  /** Absolute position in the sequence (prompt tokens come first). */
  position: number;
  id: number;
  text: string;
  source: TokenSource;
  /** The RNG step this token's draws were keyed by. */
  step: number;
  /** Raw-distribution statistics at this position (nats). */
  entropy: number;
  varentropy: number;
  rawTop: TopEntry[];
  processedTop: TopEntry[];
  /** The processor waterfall: tokens kept and mass removed per active stage. */
  stages: StageStat[];
  /** Effective temperature (dynamic temperature changes it per step). */
  temperature: number;
  /** Processor state carried across steps (mirostat's mu): what this step ran with and what it left. */
  processorState?: { before: ProcessorState; after: ProcessorState };
  /** Rank (0 = top) and probability of the emitted token under the raw distribution. */
  rank: number;
  prob: number;
  logprob: number;
  /** Its probability after the processors. */
  processedProb: number;
}

export interface RunStats {
  promptTokens: number;
  tokensEmitted: number;
  targetForwards: number;
  draftForwards: number;
  /** Milliseconds from the start of the run to the first emitted token, and to the end. */
  firstTokenMs: number;
  wallMs: number;
  tokensPerSecond: number;
  /** Bytes copied from the GPU to JavaScript by the kernels (0 on the CPU path). */
  bytesReadBack: number;
  bytesReadBackPerToken: number;
  timing: RunTiming;
}

/**
 * Where the wall time went (ms): modelMs + kernelsMs + otherMs = wallMs. Model: forward passes
 * (ORT session.run plus building the feeds, the KV cache update and copying the logits out), target
 * and draft; kernels: the sampling kernels' calls (processing, statistics, sampling, verification);
 * other: everything else (the strategy's bookkeeping, the trace, whoever reads the events). On
 * WebGPU, GPU work queued by a forward may finish inside the next kernel call, which then counts it.
 */
export interface RunTiming {
  modelMs: number;
  kernelsMs: number;
  otherMs: number;
  /** modelMs split by model: the target's and the draft's forwards (mean per pass: divide by the forward counts). */
  targetModelMs: number;
  draftModelMs: number;
  /** The part of kernelsMs spent on the draft model's rows (drafting); the rest is the target's rows (sampling, verification). */
  draftKernelsMs: number;
}

export interface StartEvent {
  type: 'start';
  version: typeof TRACE_VERSION;
  /** The canonical URL query of the configuration that produced this run. */
  query: string;
  model: string;
  draft?: string;
  backend: string;
  kernels: 'cpu' | 'webgpu';
  vocabSize: number;
  prompt: string;
  /** `template`: the token comes from the chat template (config `chat`), not from the prompt text. */
  promptTokens: { id: number; text: string; template?: boolean }[];
  /** What the run changed from its configuration and why (e.g. `chat` on a model without a template). */
  notes?: string[];
  startedAt: string;
}

export type EndReason = 'eos' | 'max_tokens' | 'stop_string' | 'cancelled' | 'error';

export interface EndEvent {
  type: 'end';
  reason: EndReason;
  /** The generated text (prompt excluded). */
  text: string;
  stats: RunStats;
  error?: string;
}

/**
 * What a strategy did beyond emitting tokens, for the views that draw it (payloads in
 * strategy-events.ts). `position` is the sequence position the event concerns.
 */
export interface StrategyEvent<K extends StrategyEventKind = StrategyEventKind> {
  type: 'strategy';
  kind: K;
  position: number;
  data: StrategyEventData[K];
}

export type StrategyEventKind = keyof StrategyEventData;

/** Payload per kind (defined in strategy-events.ts). */
export interface StrategyEventData {
  beam: BeamStepData;
  adadec: AdaDecData;
  cntp: CntpData;
  entropix: EntropixData;
  spec: SpecStepData;
}

export type TraceEvent = StartEvent | TokenEvent | StrategyEvent | EndEvent;

/** A complete run, as exported to JSON. */
export interface Trace {
  version: typeof TRACE_VERSION;
  start: StartEvent;
  tokens: TokenEvent[];
  /** Strategy events in emission order (empty for greedy and sampling). */
  events: StrategyEvent[];
  end: EndEvent;
}
