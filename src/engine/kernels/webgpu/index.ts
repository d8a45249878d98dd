/**
 * WebGPU implementation of the Kernels interface (src/engine/kernels/types.ts).
 *
 *   const kernels = await createWebGpuKernels(device);   // e.g. ORT's device, so logits stay put
 *   const kernels = await createWebGpuKernels();         // navigator.gpu, or Dawn in Node
 *
 * Failures (no adapter, device lost, validation, OOM) throw WebGpuKernelsError: catch it and use
 * createCpuKernels() instead — same inputs give the same tokens.
 */
import type { Kernels } from '../types.ts';
import { WebGpuKernelsError } from './errors.ts';
import { pipelinesFor } from './pipelines.ts';
import { WebGpuKernels } from './webgpu-kernels.ts';

export { WebGpuKernelsError, isWebGpuKernelsError } from './errors.ts';
export type { WebGpuKernelsErrorKind } from './errors.ts';
export { WebGpuKernels, GpuProbs } from './webgpu-kernels.ts';

async function browserDevice(): Promise<{ device: GPUDevice; name: string } | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new WebGpuKernelsError('unsupported', 'navigator.gpu.requestAdapter() returned null');
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  return { device, name: `${adapter.info.vendor} ${adapter.info.architecture}` };
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Creates the kernels on `device`, or on a device of our own (destroyed with the kernels).
 * Pipelines are compiled here, once per device (shared by every kernels object on it), so the
 * first step pays no compile time.
 */
export async function createWebGpuKernels(device?: GPUDevice): Promise<Kernels & WebGpuKernels> {
  let onDestroy: (() => void) | undefined;
  let adapter: string | undefined;
  if (!device) {
    const b = isNode() ? undefined : await browserDevice();
    if (b) {
      device = b.device;
      adapter = b.name;
      const d = b.device;
      onDestroy = () => d.destroy();
    } else if (isNode()) {
      // Computed specifier: keeps node-device.ts (and Dawn) out of browser bundles.
      const spec = './node-device.ts';
      const nd = (await import(/* @vite-ignore */ spec)) as typeof import('./node-device.ts');
      const made = await nd.createNodeDevice();
      device = made.device;
      adapter = made.adapterName;
      onDestroy = () => {
        made.destroy();
        nd.releaseNodeGpu();
      };
    } else {
      throw new WebGpuKernelsError('unsupported', 'WebGPU is not available (no navigator.gpu)');
    }
  }
  const pipes = await pipelinesFor(device);
  // The per-token chain compiles before the first step; the verification kernels compile in the
  // background (a call that needs them first waits for them, and reports a compile failure then).
  await Promise.all((['stats', 'process', 'sample', 'probs'] as const).map((n) => pipes.get(n, 'f32')));
  for (const n of ['verify', 'verifyTree'] as const) pipes.get(n, 'f32').catch(() => undefined);
  return new WebGpuKernels(device, pipes, { adapter, onDestroy });
}
