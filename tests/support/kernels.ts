/**
 * Helpers for the kernel and RNG tests (and the kernel benchmark): locating the golden file,
 * chi-square statistics with critical values, logits builders, deterministic random logits and
 * f32 <-> f16 conversion for the packed half-precision input path. Not imported by the engine.
 */
import { halfToFloat } from '../../src/engine/kernels/f16.ts';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GoldenFile } from '../../src/engine/kernels/cpu/golden.ts';
import { parseGolden } from '../../src/engine/kernels/cpu/golden.ts';

/** Repository root (this file is tests/support/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
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

/** mulberry32: small deterministic PRNG for test data (not the decoding RNG). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard-normal-ish logits (Box-Muller) times `scale`. */
export function randomLogits(n: number, seed: number, scale = 3): Float32Array {
  const r = prng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()) * scale;
  }
  return out;
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** IEEE half bits of an f32 value, round to nearest even (inf/NaN preserved). */
export function f32ToF16Bits(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** The f32 value of half bits. */
export const f16BitsToF32 = halfToFloat;

/** Packs values as f16 pairs in u32 words (element i in the low half of word i/2 when i is even). */
export function packF16(values: ArrayLike<number>): { packed: Uint32Array<ArrayBuffer>; rounded: Float32Array<ArrayBuffer> } {
  const n = values.length;
  const packed = new Uint32Array(Math.ceil(n / 2) + 1);
  const rounded = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const h = f32ToF16Bits(values[i]);
    rounded[i] = f16BitsToF32(h);
    packed[i >> 1] |= (i & 1 ? h << 16 : h) >>> 0;
  }
  return { packed, rounded };
}
