/**
 * One entry point for choosing a kernels backend. The WebGPU module is loaded lazily (its own
 * chunk in the browser bundle), and a WebGPU failure falls back to the CPU reference when allowed,
 * with a warning the UI can show: same inputs give the same tokens on both.
 */
import { createCpuKernels } from './cpu/index.ts';
import type { Kernels, KernelsBackend } from './types.ts';

export type * from './types.ts';
export { createCpuKernels } from './cpu/index.ts';

export interface KernelsChoice {
  kernels: Kernels;
  /** The backend actually in use (cpu after a fallback). */
  backend: KernelsBackend;
  /** Why WebGPU was not used, when it was asked for and the CPU took over. */
  fallbackReason?: string;
}

export async function createKernels(
  backend: KernelsBackend,
  options: { device?: GPUDevice; fallbackToCpu?: boolean } = {},
): Promise<KernelsChoice> {
  if (backend === 'cpu') return { kernels: await createCpuKernels(), backend: 'cpu' };
  try {
    const { createWebGpuKernels } = await import('./webgpu/index.ts');
    return { kernels: await createWebGpuKernels(options.device), backend: 'webgpu' };
  } catch (err) {
    if (options.fallbackToCpu === false) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    return { kernels: await createCpuKernels(), backend: 'cpu', fallbackReason: `WebGPU kernels unavailable, using CPU: ${reason}` };
  }
}
