/**
 * What the browser's WebGPU adapter can do, probed once before any model loads: the backend
 * choice (WebGPU or WASM) and the dtype choice (no fp16 files without `shader-f16`) depend on it.
 * Works in a window and in a worker; never throws.
 */

export interface GpuLimitsSummary {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupStorageSize: number;
  maxStorageBuffersPerShaderStage: number;
}

export type Capabilities =
  | {
      webgpu: true;
      vendor: string;
      architecture: string;
      description: string;
      isFallbackAdapter: boolean;
      shaderF16: boolean;
      subgroups: boolean;
      limits: GpuLimitsSummary;
    }
  | { webgpu: false; reason: string };

const LIMIT_KEYS: (keyof GpuLimitsSummary)[] = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
];

export async function probeCapabilities(gpu: GPU | undefined = globalThis.navigator?.gpu): Promise<Capabilities> {
  if (!gpu) return { webgpu: false, reason: 'this browser does not expose navigator.gpu' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (err) {
    return { webgpu: false, reason: `requestAdapter failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!adapter) return { webgpu: false, reason: 'no WebGPU adapter is available (blocked, or no supported GPU)' };
  const info = adapter.info;
  const limits = Object.fromEntries(LIMIT_KEYS.map((k) => [k, Number(adapter.limits[k])])) as unknown as GpuLimitsSummary;
  return {
    webgpu: true,
    vendor: info?.vendor || 'unknown',
    architecture: info?.architecture || 'unknown',
    description: info?.description || '',
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter),
    shaderF16: adapter.features.has('shader-f16'),
    subgroups: adapter.features.has('subgroups'),
    limits,
  };
}
