/**
 * Chain speculative verification (Leviathan et al. 2023; Chen et al. 2023) as pure functions over
 * explicit distributions. The CPU kernels use these with RNG uniforms; the golden file supplies its
 * own uniforms. The rule preserves the target distribution exactly: a draft x ~ q is kept with
 * probability min(1, p(x)/q(x)), and after a rejection the residual max(0, p - q) (normalized)
 * supplies exactly the missing mass.
 */

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

export interface ChainOutcome {
  /** Leading draft tokens accepted (0..K). */
  accepted: number;
  /** Distribution the next token is drawn from: the residual at the first rejection, or p_K. */
  nextDistribution: Float64Array;
  nextKind: 'residual' | 'bonus';
}

/**
 * The chain rule on given distributions: p has K + 1 rows (target at each position), q has K rows
 * (draft), uniforms has K entries.
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
  for (let i = 0; i < K; i++) {
    const x = draftTokens[i];
    if (!acceptDraft(p[i][x], q[i][x], uniforms[i])) {
      const r = residual(p[i], q[i]);
      return { accepted: i, nextDistribution: r ?? Float64Array.from(p[i]), nextKind: 'residual' };
    }
  }
  return { accepted: K, nextDistribution: Float64Array.from(p[K]), nextKind: 'bonus' };
}
