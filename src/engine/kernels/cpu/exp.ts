/**
 * exp(x) for the kernels' passes over the vocabulary. V8 compiles `Math.exp` to a call into its
 * C library port (~11-14 ns here), which no loop can inline; this one is plain arithmetic the JIT
 * keeps in the loop (~6 ns): x = (64k + j) ln2/64 + r, |r| <= ln2/128, exp(x) = 2^k' * 2^(j/64) * p(r)
 * with a degree-6 Taylor polynomial (truncation < 1e-19) and two table lookups. Within 2 ulp of
 * Math.exp (exp.test.ts); exp(0) is exactly 1, as the normalizers' "the max contributes 1" needs.
 * Every pass of a row uses this one function, so terms computed in two places agree bit for bit.
 * Outside |x| < 708 (underflow to subnormals, overflow, NaN, infinities) it defers to Math.exp.
 */
const STEPS = 64;
const FRACTION = Float64Array.from({ length: STEPS }, (_, j) => 2 ** (j / STEPS));
/** 2^m for m in [-1075, 1024], indexed m + 1075. */
const POW2 = Float64Array.from({ length: 2100 }, (_, i) => 2 ** (i - 1075));
const INV_STEP = STEPS / Math.LN2;
// ln2/64 split so that k * STEP_HI is exact for the k in range (Cody-Waite reduction).
const STEP_HI = 0.010830424696223417;
const STEP_LO = 2.572804622327669e-14;
/** Adding and subtracting 1.5 * 2^52 rounds a double to the nearest integer (ties to even). */
const ROUND = 6755399441055744.0;

export function exp(x: number): number {
  if (!(x > -708 && x < 708)) return Math.exp(x);
  const kf = x * INV_STEP + ROUND - ROUND;
  const r = x - kf * STEP_HI - kf * STEP_LO;
  const k = kf | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return FRACTION[k & (STEPS - 1)] * p * POW2[(k >> 6) + 1075];
}
