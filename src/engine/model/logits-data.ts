import type { OrtTensor } from './ort-types.ts';

/** Logits as float32, whatever the export writes (q4f16 / fp16 exports return float16). */
export function toFloat32(t: OrtTensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as Uint16Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
    return out;
  }
  throw new Error(`unsupported logits type ${t.type}`);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
