/**
 * The one error type the WebGPU kernels throw for GPU trouble, so the engine can catch it, show
 * the message, and fall back to the CPU kernels (`createCpuKernels()`): the device was lost, a
 * command failed validation, memory ran out, or no adapter/device could be had at all.
 * Argument errors (bad config, wrong row counts) stay RangeError/TypeError, as on the CPU path.
 */
export type WebGpuKernelsErrorKind = 'unsupported' | 'device-lost' | 'validation' | 'out-of-memory' | 'internal';

export class WebGpuKernelsError extends Error {
  override readonly name = 'WebGpuKernelsError';
  /** True for every kind: the CPU kernels compute the same tokens. */
  readonly fallbackToCpu = true;
  constructor(
    readonly kind: WebGpuKernelsErrorKind,
    message: string,
  ) {
    super(`WebGPU kernels: ${kind}: ${message}`);
  }
}

export function isWebGpuKernelsError(err: unknown): err is WebGpuKernelsError {
  return err instanceof WebGpuKernelsError;
}
