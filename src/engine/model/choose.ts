/**
 * Which backend and weight file a configuration actually runs on, given what the adapter can do.
 * `auto` prefers WebGPU; fp16 weights need `shader-f16` (SwiftShader and many laptops lack it),
 * so those adapters get fp32 for the tiny embedded models and 4-bit integer weights for hub models.
 */
import type { Capabilities } from '../capabilities.ts';
import type { Backend, DType } from './runner.ts';
import { isEmbeddedModel } from './catalog.ts';

export interface Resolved {
  backend: Backend;
  dtype: DType;
  /** Why the request was changed, for the page to show (empty when honoured as asked). */
  notes: string[];
}

export function resolveBackend(
  requested: { backend: 'auto' | Backend; dtype: 'auto' | DType; model: string },
  caps: Capabilities,
  inNode = false,
): Resolved {
  const notes: string[] = [];
  let backend: Backend;
  if (inNode) {
    backend = 'cpu';
    if (requested.backend !== 'auto' && requested.backend !== 'cpu') notes.push(`backend=${requested.backend} is not available in Node; using cpu`);
  } else if (requested.backend === 'cpu') {
    backend = caps.webgpu ? 'webgpu' : 'wasm';
    notes.push(`backend=cpu is the Node CLI's; in the browser using ${backend}`);
  } else if (requested.backend === 'webgpu' && !caps.webgpu) {
    backend = 'wasm';
    notes.push(`WebGPU is unavailable (${caps.reason}); running on WASM instead`);
  } else if (requested.backend === 'auto') {
    backend = caps.webgpu ? 'webgpu' : 'wasm';
  } else {
    backend = requested.backend;
  }

  const f16 = backend === 'webgpu' && caps.webgpu && caps.shaderF16;
  let dtype: DType;
  if (requested.dtype === 'auto') {
    dtype = isEmbeddedModel(requested.model) ? 'fp32' : f16 ? 'q4f16' : backend === 'webgpu' ? 'q4' : 'q8';
  } else if ((requested.dtype === 'fp16' || requested.dtype === 'q4f16') && backend === 'webgpu' && !f16) {
    dtype = requested.dtype === 'fp16' ? 'fp32' : 'q4';
    notes.push(`this GPU lacks shader-f16, so ${requested.dtype} weights cannot run; using ${dtype}`);
  } else {
    dtype = requested.dtype;
  }
  return { backend, dtype, notes };
}
