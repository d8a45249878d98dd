/**
 * Helpers for the WebGPU kernel tests and benchmarks (Node only): a Dawn device that fails loudly
 * when no adapter exists, deterministic random logits, and f32 -> f16 conversion for the packed
 * half-precision input path.
 */
import { existsSync } from 'node:fs';
import { createNodeDevice, SWIFTSHADER_ICD } from './node-device.ts';
import type { NodeDevice } from './node-device.ts';

/**
 * A Dawn device or a thrown Error explaining what is missing. Tests call this in beforeAll, so a
 * machine without the Vulkan ICD fails the suite with this message instead of skipping it.
 */
export async function requireNodeDevice(): Promise<NodeDevice> {
  try {
    return await createNodeDevice();
  } catch (err) {
    const icd = process.env.VK_ICD_FILENAMES;
    throw new Error(
      `WebGPU kernel tests need a WebGPU adapter in Node (Dawn via the "webgpu" package). ` +
        `VK_ICD_FILENAMES=${icd ?? '(unset)'}; SwiftShader ICD ${existsSync(SWIFTSHADER_ICD) ? 'present' : 'MISSING'} at ${SWIFTSHADER_ICD} ` +
        `(apt-get install chromium libvulkan1). Cause: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
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
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

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
