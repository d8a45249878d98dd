import { halfToFloat } from '../kernels/f16.ts';
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
