/**
 * Chain speculative verification (Leviathan et al. 2023; Chen et al. 2023) as pure functions over
 * explicit distributions. The CPU kernels walk the chain with RNG uniforms; the golden file supplies
 * its own uniforms. The rule preserves the target distribution exactly: a draft x ~ q is kept with
 * probability min(1, p(x)/q(x)), and after a rejection the residual max(0, p - q) (normalized)
 * supplies exactly the missing mass.
 */
import type { ChainPosition } from '../types.ts';
import { argmaxOf } from './sample.ts';

/** Acceptance test u < min(1, p/q); q = 0 means the ratio is 1 when p > 0 and 0 otherwise. */
export function acceptDraft(pOfX: number, qOfX: number, u: number): boolean {
  const ratio = qOfX > 0 ? pOfX / qOfX : pOfX > 0 ? 1 : 0;
  return u < Math.min(1, ratio);
}

/**
 * normalize(max(0, p - q)). Returns null when the residual has no mass (p <= q everywhere, i.e.
 * p == q up to rounding); callers then fall back to p, which is what the limit of the rule gives.
 */
export function residual(p: ArrayLike<number>, q: ArrayLike<number>): Float64Array | null {
  const r = new Float64Array(p.length);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const d = p[i] - q[i];
    if (d > 0) {
      r[i] = d;
      sum += d;
    }
  }
  if (!(sum > 0)) return null;
  for (let i = 0; i < r.length; i++) r[i] /= sum;
  return r;
}

export interface ChainWalk {
  /** Leading draft tokens accepted (0..K). */
  accepted: number;
  /** The acceptance test of each examined draft token (up to and including the first rejection). */
  positions: ChainPosition[];
  /** Distribution the next token is drawn from: the residual at the first rejection (p there when greedy), or p_K. */
  nextDistribution: Float64Array;
  nextKind: 'residual' | 'bonus';
}

/**
 * The chain rule, once for every caller: p(i) is the target row at position i (asked for in order,
 * only as far as the walk gets), q(i) the draft row, u(i) the uniform of the test at i. Greedy:
 * accept while x_i is the argmax of p_i (no uniforms, no residual).
 */
export function walkChain(
  draftTokens: number[],
  p: (i: number) => Float64Array,
  q: (i: number) => ArrayLike<number>,
  u: ((i: number) => number) | 'greedy',
): ChainWalk {
  const K = draftTokens.length;
  const positions: ChainPosition[] = [];
  for (let i = 0; i < K; i++) {
    const x = draftTokens[i];
    const pi = p(i);
    const qi = q(i);
    if (u === 'greedy') {
      const ok = argmaxOf(pi) === x;
      positions.push({ token: x, p: pi[x], q: qi[x], u: NaN, accepted: ok });
      if (!ok) return { accepted: i, positions, nextDistribution: pi, nextKind: 'residual' };
      continue;
    }
    const ui = u(i);
    const ok = acceptDraft(pi[x], qi[x], ui);
    positions.push({ token: x, p: pi[x], q: qi[x], u: ui, accepted: ok });
    if (!ok) return { accepted: i, positions, nextDistribution: residual(pi, qi) ?? pi, nextKind: 'residual' };
  }
  return { accepted: K, positions, nextDistribution: p(K), nextKind: 'bonus' };
}

export interface ChainOutcome {
  /** Leading draft tokens accepted (0..K). */
  accepted: number;
  /** Distribution the next token is drawn from: the residual at the first rejection, or p_K. */
  nextDistribution: Float64Array;
  nextKind: 'residual' | 'bonus';
}

/**
 * The chain rule on given distributions (the golden file's form): p has K + 1 rows (target at
 * each position), q has K rows (draft), uniforms has K entries.
 */
export function verifyChainWithUniforms(
  p: ArrayLike<number>[],
  q: ArrayLike<number>[],
  draftTokens: number[],
  uniforms: number[],
): ChainOutcome {
  const K = draftTokens.length;
  if (p.length !== K + 1 || q.length !== K || uniforms.length < K) {
    throw new RangeError(`verifyChain: need K+1 target rows, K draft rows and K uniforms (K = ${K})`);
  }
  const { accepted, nextDistribution, nextKind } = walkChain(draftTokens, (i) => Float64Array.from(p[i]), (i) => q[i], (i) => uniforms[i]);
  return { accepted, nextDistribution, nextKind };
}
