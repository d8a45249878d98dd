/**
 * How many tokens each truncation rule keeps at one step as the temperature varies (the kept-set
 * chart). From one row of raw logits:
 *  - top-p keeps the smallest top set of softmax(logits / T) whose mass reaches p (the top token
 *    always; as the engine's processor: a token is kept while the mass strictly above it is < p);
 *  - min-p keeps tokens with probability >= min_p * the top probability, i.e. logit >= max + T ln(min_p);
 *  - top-n-sigma keeps logits / T >= max / T - n * sigma(logits / T), sigma the population standard
 *    deviation of the finite logits. Dividing by T scales max and sigma alike, so the kept set does
 *    not depend on T at all: that invariance is the point of the method (Tang et al., 2024).
 * Temperature is applied before the rule, each rule alone (not chained), as the engine orders them.
 */
import type { ModelRunner } from '../model/runner.ts';

export interface KeptSetSettings {
  topP: number;
  minP: number;
  nSigma: number;
}

export interface KeptSetPoint {
  temperature: number;
  topP: number;
  minP: number;
  nSigma: number;
}

/** Kept-set sizes for each temperature (T > 0) of `temperatures`. */
export function keptSetCounts(logits: ArrayLike<number>, temperatures: readonly number[], s: KeptSetSettings): KeptSetPoint[] {
  const finite: number[] = [];
  for (let i = 0; i < logits.length; i++) if (Number.isFinite(logits[i])) finite.push(logits[i]);
  if (!finite.length) throw new RangeError('no finite logits');
  finite.sort((a, b) => b - a);
  const max = finite[0];
  const n = finite.length;
  const mean = finite.reduce((a, x) => a + x, 0) / n;
  const sigma = Math.sqrt(finite.reduce((a, x) => a + (x - mean) ** 2, 0) / n);
  const nSigma = countAtLeast(finite, max - s.nSigma * sigma);
  return temperatures.map((T) => {
    if (!(T > 0)) throw new RangeError(`temperature must be positive, got ${T}`);
    return { temperature: T, topP: topPCount(finite, T, s.topP), minP: s.minP > 0 ? countAtLeast(finite, max + T * Math.log(s.minP)) : n, nSigma };
  });
}

/** Evenly spaced temperatures from `lo` to `hi` inclusive. */
export function temperatureGrid(lo = 0.1, hi = 3, points = 59): number[] {
  return Array.from({ length: points }, (_, i) => +(lo + ((hi - lo) * i) / (points - 1)).toFixed(4));
}

/** Descending logits: tokens kept by top-p at temperature T. */
function topPCount(desc: readonly number[], T: number, p: number): number {
  const max = desc[0];
  let z = 0;
  for (const l of desc) z += Math.exp((l - max) / T);
  let above = 0;
  let kept = 0;
  for (const l of desc) {
    if (kept > 0 && above >= p) break;
    kept++;
    above += Math.exp((l - max) / T) / z;
  }
  return kept;
}

/** Descending values: how many are >= threshold (the top one always counts). */
function countAtLeast(desc: readonly number[], threshold: number): number {
  let lo = 1;
  let hi = desc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (desc[mid] >= threshold) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The raw next-token logits after `contextIds`: one fresh target forward over the whole context
 * (the run's own cache is gone by the time a user inspects a step).
 */
export async function nextTokenLogits(target: ModelRunner, contextIds: readonly number[]): Promise<Float32Array> {
  if (!contextIds.length) throw new RangeError('empty context');
  const seq = target.newSequence();
  try {
    const out = await target.readLogits(seq, [[...contextIds]], 1);
    return out.logits.slice(0, out.vocab);
  } finally {
    seq.dispose();
  }
}
