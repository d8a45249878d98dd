/**
 * Inverse-CDF draws from a probability vector: the reference of the kernels' drawFromProbs (the
 * WGSL is shaders/draw.wgsl). One uniform per draw instead of one hash per vocabulary entry.
 */

/**
 * Inverse-CDF draw from q with one uniform u in (0, 1): the first token whose cumulative mass
 * exceeds u times the total (q need not be normalized). One hash per draw instead of one per
 * vocabulary entry (Gumbel-max); tokens with q = 0 never come out (-1 if q has no mass).
 */
export function drawInverseCdf(q: ArrayLike<number>, u: number): number {
  let total = 0;
  let last = -1;
  for (let i = 0; i < q.length; i++) {
    if (q[i] > 0) {
      total += q[i];
      last = i;
    }
  }
  const target = u * total;
  let acc = 0;
  for (let i = 0; i < q.length; i++) {
    if (!(q[i] > 0)) continue;
    acc += q[i];
    if (acc > target) return i;
  }
  return last;
}

/** `count` tokens drawn from q without replacement (sequentially, each from the renormalized rest), uniforms from `u(k)`. */
export function drawWithoutReplacement(q: ArrayLike<number>, count: number, u: (k: number) => number): number[] {
  const rest = Float64Array.from(q);
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const x = drawInverseCdf(rest, u(k));
    if (x < 0) break;
    out.push(x);
    rest[x] = 0;
  }
  return out;
}
