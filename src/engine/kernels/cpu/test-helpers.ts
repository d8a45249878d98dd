/**
 * Helpers for the kernel and RNG tests: locating the golden file, chi-square statistics with
 * critical values, and small logits builders. Test-only; not imported by the engine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GoldenFile } from './golden.ts';
import { parseGolden } from './golden.ts';

/** Repository root (this file is src/engine/kernels/cpu/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The golden vectors: the repository's copy of the project's shared golden file. */
export const GOLDEN_PATH = resolve(REPO_ROOT, 'tests/golden/decoding-golden.json');

/** Loads the golden file or throws a message that says exactly what is missing. */
export function loadGoldenFile(): GoldenFile {
  if (!existsSync(GOLDEN_PATH)) {
    throw new Error(`golden file missing: expected ${GOLDEN_PATH} (tests/golden/decoding-golden.json in the repository)`);
  }
  return parseGolden(JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')));
}

/** Pearson chi-square statistic of observed counts against expected probabilities. */
export function chiSquare(observed: ArrayLike<number>, probs: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < observed.length; i++) total += observed[i];
  let x2 = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = total * probs[i];
    if (e > 0) x2 += (observed[i] - e) ** 2 / e;
    else if (observed[i] > 0) return Infinity; // an impossible outcome happened
  }
  return x2;
}

/**
 * Upper critical value of chi-square with `df` degrees of freedom at alpha = 0.001, by the
 * Wilson-Hilferty approximation (accurate to about 1% for df >= 3, plenty for a test threshold).
 */
export function chiSquareCritical001(df: number): number {
  const z = 3.090232; // standard normal upper 0.001 quantile
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Logits whose softmax is exactly `probs` (zeros become -inf). */
export function logitsOf(probs: number[]): Float64Array {
  return Float64Array.from(probs, (p) => Math.log(p));
}

export function softmax(logits: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > m) m = logits[i];
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}
