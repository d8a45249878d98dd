/**
 * Does speculation pay? The textbook cost model of chain speculative decoding (Leviathan et al.
 * 2023) fed with what one run measured, beside the speedup the run actually got.
 *
 * With per-token acceptance α and γ drafted tokens per step, one verification emits on average
 *   E(α, γ) = 1 + α + … + α^γ = (1 − α^(γ+1)) / (1 − α)  tokens
 * (the mean accepted length from acceptedLength.ts's independent-positions model, plus the
 * residual or bonus token), and costs one target pass plus γ draft passes, each c target passes:
 *   predicted speedup = E(α, γ) / (1 + γ·c).
 * Kernels and bookkeeping are left out of the prediction; the measured speedup includes them.
 */
import type { RunStats } from '../trace/types.ts';
import { predictedLengths } from './acceptedLength.ts';

/** Expected tokens per verification step: 1 + the mean accepted length when every position is accepted with rate α. */
export function expectedTokensPerStep(alpha: number, gamma: number): number {
  return predictedLengths(new Array<number>(gamma).fill(alpha)).reduce((sum, p, k) => sum + p * (k + 1), 0);
}

/** Predicted speedup over plain decoding (one target pass per token), in target-pass units. */
export function predictedSpeedup(alpha: number, gamma: number, costRatio: number): number {
  return expectedTokensPerStep(alpha, gamma) / (1 + gamma * costRatio);
}

/**
 * The acceptance rate at which the predicted speedup is exactly 1: speculation pays above it.
 * E(α, γ) rises from 1 (α = 0) to γ + 1 (α = 1), so it is found by bisection; c = 0 (a free
 * drafter) breaks even at 0, and c > 1 never does (Infinity). γ = 0 (nothing drafted): NaN.
 */
export function breakEvenAlpha(gamma: number, costRatio: number): number {
  if (gamma < 1) return NaN;
  const cost = 1 + gamma * costRatio;
  if (costRatio <= 0) return 0;
  if (cost > gamma + 1) return Infinity;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (expectedTokensPerStep(mid, gamma) < cost) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The run's forward-time figures the payoff reads (RunStats). */
type PayoffStats = Pick<RunStats, 'tokensEmitted' | 'targetForwards' | 'draftForwards' | 'wallMs' | 'timing'>;

/**
 * Mean milliseconds per pass of the target and of the draft (0 without draft passes): the forward
 * alone, or (withKernels) with the kernel time spent on that model's rows (a draft pass:
 * processing and sampling its row; a target pass: sampling, or verifying and describing a step's
 * rows).
 */
export function passCosts(stats: PayoffStats, withKernels: boolean): { target: number; draft: number } {
  const t = stats.timing;
  const draftKernels = withKernels ? t.draftKernelsMs : 0;
  const targetKernels = withKernels ? t.kernelsMs - t.draftKernelsMs : 0;
  return {
    target: stats.targetForwards > 0 ? (t.targetModelMs + targetKernels) / stats.targetForwards : NaN,
    draft: stats.draftForwards > 0 ? (t.draftModelMs + draftKernels) / stats.draftForwards : 0,
  };
}

export interface SpecPayoff {
  /** Draft / target cost ratio c: mean draft pass ms over mean target pass ms (0 for model-free drafters). */
  costRatio: number;
  targetPassMs: number;
  draftPassMs: number;
  alpha: number;
  gamma: number;
  expectedTokens: number;
  predicted: number;
  /**
   * Plain decoding's model time for the same tokens (one target pass each, at this run's mean
   * target pass) over this run's wall time.
   */
  measured: number;
  /** tokensEmitted × targetPassMs: the baseline `measured` divides. */
  baselineMs: number;
  wallMs: number;
  breakEven: number;
  /** Predicted speedup for α from 0 to 1 (this γ and c), for the chart. */
  curve: { alpha: number; speedup: number }[];
}

/** Everything the payoff panel shows, from the run's stats, its acceptance rate α and its draft length γ. */
export function specPayoff(stats: PayoffStats, alpha: number, gamma: number): SpecPayoff {
  const pass = passCosts(stats, false);
  const costRatio = pass.draft / pass.target;
  const baselineMs = stats.tokensEmitted * pass.target;
  return {
    costRatio,
    targetPassMs: pass.target,
    draftPassMs: pass.draft,
    alpha,
    gamma,
    expectedTokens: expectedTokensPerStep(alpha, gamma),
    predicted: predictedSpeedup(alpha, gamma, costRatio),
    measured: stats.wallMs > 0 ? baselineMs / stats.wallMs : NaN,
    baselineMs,
    wallMs: stats.wallMs,
    breakEven: breakEvenAlpha(gamma, costRatio),
    curve: Array.from({ length: 51 }, (_, i) => ({ alpha: i / 50, speedup: predictedSpeedup(i / 50, gamma, costRatio) })),
  };
}
