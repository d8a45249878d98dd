/** Process-wide transformers.js / ORT settings: where models come from, and ORT's WebGPU device. */
import { env } from '@huggingface/transformers';
import { HUB_HOST } from './hub-mirror.ts';

/**
 * Where transformers.js finds models and its wasm files; set once per process or worker.
 * `remoteHost`: a hub mirror (hub-mirror.ts) instead of huggingface.co.
 */
export function configureModelSources(opts: {
  localModelPath: string;
  allowRemoteModels: boolean;
  wasmPaths?: string;
  remoteHost?: string;
}): void {
  env.allowLocalModels = true;
  env.localModelPath = opts.localModelPath;
  env.allowRemoteModels = opts.allowRemoteModels;
  env.remoteHost = opts.remoteHost ?? HUB_HOST;
  // Local files change when the models are retrained: never serve them from a stale browser cache.
  env.useBrowserCache = opts.allowRemoteModels;
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: string } } | undefined;
  if (opts.wasmPaths && onnx?.wasm) onnx.wasm.wasmPaths = opts.wasmPaths;
}

/** ORT's WebGPU device (set after the first WebGPU session); kernels must run on the same one. */
export function ortWebGpuDevice(): GPUDevice | undefined {
  const webgpu = (env.backends.onnx as { webgpu?: { device?: GPUDevice } } | undefined)?.webgpu;
  return webgpu?.device;
}
