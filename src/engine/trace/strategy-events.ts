/**
 * Payloads of the strategy events (see StrategyEvent in types.ts): everything a view needs to
 * draw what a strategy did at one point. Token texts are included so views never need the
 * tokenizer. Strategies may add optional fields; changing a field's meaning bumps TRACE_VERSION.
 */
import type { TopEntry } from './top-entry.ts';

/** One beam search step: every live beam after the step, best first. */
export interface BeamStepData {
  step: number;
  beams: { ids: number[]; text: string; logprob: number; score: number; parent: number; finished: boolean }[];
  /** Best finished hypothesis so far (score = logprob / length ^ length_penalty). */
  best?: { ids: number[]; score: number };
  /** Set on the last step: why the search ended (token budget / context limit, or no live beam can beat `best`). */
  done?: 'limit' | 'early-stop';
}

/** An AdaDec trigger: the step's entropy exceeded tau, candidates were scored by lookahead. */
export interface AdaDecData {
  entropy: number;
  tau: number;
  candidates: { id: number; text: string; logprob: number; lookahead: { ids: number[]; text: string; meanLogprob: number }; score: number }[];
  /** Index in `candidates` of the emitted one; 0 is the argmax. */
  winner: number;
  /** Target forward passes the lookahead cost. */
  forwards?: number;
}

/** A CNTP decision: N trials from this point, the lowest-perplexity one emitted. */
export interface CntpData {
  entropy: number;
  trials: { ids: number[]; text: string; perplexity: number; stop?: CntpTrialStop }[];
  winner: number;
  /** Target forward passes the trials cost. */
  forwards?: number;
}

/** Why a CNTP trial ended: a punctuation token, EOS, the trial length cap, the run's token budget or the context limit. */
export type CntpTrialStop = 'punctuation' | 'eos' | 'cap' | 'budget' | 'context';

export type EntropixQuadrant = 'low-low' | 'high-entropy' | 'high-varentropy' | 'high-high';

/** The entropix-style classification of one step and the action taken. */
export interface EntropixData {
  entropy: number;
  varentropy: number;
  quadrant: EntropixQuadrant;
  action: string;
  /** Temperature of the draw, when the action sampled at a changed one. */
  temperature?: number;
  /** The pause text inserted (high entropy, low varentropy, with a pause text configured). */
  pause?: string;
  /** Branch action: every drawn branch (token and raw probability) and the index of the kept one. */
  branches?: { id: number; text: string; prob: number }[];
  branch?: number;
}

/** A node of a speculative draft tree (a chain is a tree with one child per node). */
export interface DraftNode {
  id: number;
  parent: number; // -1 for children of the root (the last committed token)
  token: number;
  text: string;
  depth: number;
  /** Draft and target probabilities of this token at its position (target: after processors). */
  q: number;
  p: number;
  status: 'accepted' | 'rejected' | 'unverified';
  /** The acceptance uniform used at its test (absent in greedy mode or when not tested). */
  u?: number;
  /** Accepted only by relaxed (lossy) acceptance. */
  relaxed?: boolean;
}

/** One speculative draft/verify step. */
export interface SpecStepData {
  method: string;
  nodes: DraftNode[];
  /** Drafted tokens accepted on the emitted path. */
  accepted: number;
  /** The token emitted after the accepted path and how it was chosen. */
  next: { id: number; text: string; kind: 'residual' | 'bonus' };
  /** Top of normalize(max(0, p - q)) at the rejection, when there was one. */
  residualTop?: TopEntry[];
  targetForwards: number;
  draftForwards: number;
  /** RNG step the verification's draws were keyed by (position of its first drafted token). */
  step?: number;
  /** Greedy verification (temperature 0): accept while the draft equals the target argmax. */
  greedy?: boolean;
  /**
   * One entry per draft depth (index 0 = first drafted position): nodes drafted there, whether
   * verification reached that depth, whether a node there was accepted. Summed over a run:
   * acceptance rate per position = accepted / reached; mean accepted length = accepted per step.
   */
  depths?: { drafted: number; reached: boolean; accepted: boolean }[];
  /** Why drafting stopped (adaptive length, prompt lookup, recycling), and the draft's top-1 prob per drafted position. */
  stop?: 'confidence' | 'max' | 'budget' | 'no-match' | 'table-empty';
  confidence?: number[];
  /** Prompt lookup: length of the matched n-gram and the position its continuation was copied from. */
  lookup?: { ngram: number; from: number };
  /**
   * Relaxed (lossy) acceptance: its settings, how many accepts only the relaxed test allowed, and
   * the drift: total-variation distance between the target's distribution at the first drafted
   * position and what the relaxed rule emits there (exact, for one draft).
   */
  relaxed?: { k: number; delta: number; drift: number; relaxedAccepts: number; unavailable?: string };
}
