/**
 * The statistics behind the in-app losslessness check: the chi-square survival function (via the
 * regularized upper incomplete gamma function), a two-sample chi-square homogeneity test on token
 * counts with sparse bins pooled, and the total variation distance between two samples.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function. The power series of
 * P = 1 - Q converges fast for x < a + 1; the continued fraction of Q (modified Lentz) for larger x.
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaQ needs a > 0 and x >= 0, got a=${a}, x=${x}`);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - front * sum);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, front * h);
}

/** P(X >= x) for X ~ chi-square with `df` degrees of freedom. */
export function chiSquareSf(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (x <= 0) return 1;
  return gammaQ(df / 2, x / 2);
}

/** Expected counts below this make the chi-square approximation unreliable: such bins are pooled. */
export const MIN_EXPECTED = 5;

export interface HomogeneityResult {
  statistic: number;
  df: number;
  /** P-value: the chance of a statistic at least this large if both samples share one distribution. */
  p: number;
  /** The bins tested after pooling (pooled sparse categories are named `other`). */
  bins: { key: string; a: number; b: number }[];
  nA: number;
  nB: number;
}

/**
 * Chi-square test of homogeneity for two samples of categories (a 2 x k contingency table). Bins
 * whose smaller expected count is below MIN_EXPECTED are pooled into one `other` bin, rarest
 * first; if `other` itself stays sparse it absorbs the next rarest bin. Fewer than two bins left
 * means nothing distinguishes the samples: statistic 0, p = 1.
 */
export function homogeneityTest(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): HomogeneityResult {
  const nA = sum(a.values());
  const nB = sum(b.values());
  const n = nA + nB;
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  // Rarest first; ties in a stable order so the result never depends on map order.
  const bins = keys
    .map((key) => ({ key, a: a.get(key) ?? 0, b: b.get(key) ?? 0 }))
    .sort((x, y) => x.a + x.b - (y.a + y.b) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const minExpected = (bin: { a: number; b: number }) => ((bin.a + bin.b) * Math.min(nA, nB)) / n;
  const other = { key: 'other', a: 0, b: 0 };
  while (bins.length && (minExpected(bins[0]) < MIN_EXPECTED || (other.a + other.b > 0 && minExpected(other) < MIN_EXPECTED))) {
    const next = bins.shift()!;
    other.a += next.a;
    other.b += next.b;
  }
  const tested = other.a + other.b > 0 ? [...bins.reverse(), other] : bins.reverse();
  if (tested.length < 2 || nA === 0 || nB === 0) return { statistic: 0, df: 0, p: 1, bins: tested, nA, nB };
  let statistic = 0;
  for (const bin of tested) {
    const total = bin.a + bin.b;
    const eA = (total * nA) / n;
    const eB = (total * nB) / n;
    statistic += (bin.a - eA) ** 2 / eA + (bin.b - eB) ** 2 / eB;
  }
  const df = tested.length - 1;
  return { statistic, df, p: chiSquareSf(statistic, df), bins: tested, nA, nB };
}

/** Total variation distance between the empirical distributions of two samples: ½ Σ |pA - pB|. */
export function totalVariation(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  const nA = sum(a.values());
  const nB = sum(b.values());
  if (!nA || !nB) return 0;
  let d = 0;
  for (const key of new Set([...a.keys(), ...b.keys()])) d += Math.abs((a.get(key) ?? 0) / nA - (b.get(key) ?? 0) / nB);
  return d / 2;
}

/** Counts of each value. */
export function countValues(values: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

function sum(xs: Iterable<number>): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
