/**
 * A Dawn WebGPU device in Node (the `webgpu` npm package) for tests, the CLI and benchmarks.
 * Never imported by browser code: the factory reaches it only through a computed dynamic import.
 *
 * On machines without a GPU, Dawn needs a Vulkan ICD it accepts: SwiftShader from Debian's
 * `chromium` package (`/usr/lib/chromium/vk_swiftshader_icd.json`; Debian 12's lavapipe is
 * rejected). We point VK_ICD_FILENAMES at it unless the caller chose an ICD already, before the
 * Vulkan loader starts; XDG_RUNTIME_DIR silences the loader's warnings.
 */
import { existsSync } from 'node:fs';
import { WebGpuKernelsError } from './errors.ts';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** e.g. "google swiftshader (SwiftShader driver 5.0.0)". */
  adapterName: string;
  /** Destroys the device and drops the Dawn instance so the process can exit. */
  destroy(): void;
}

let instance: GPU | undefined;

const HARDWARE_ICDS = ['/usr/share/vulkan/icd.d/nvidia_icd.json', '/etc/vulkan/icd.d/nvidia_icd.json'];

/**
 * Sets the Vulkan environment for Dawn (idempotent; respects values already set). A machine with
 * an NVIDIA Vulkan driver (or WEBGPU_SYSTEM_VULKAN=1) keeps the system ICDs, so benchmarks there
 * measure the real GPU; anywhere else SwiftShader is the one ICD Dawn accepts.
 */
export function configureNodeVulkan(): { icd: string | undefined } {
  const system = process.env.WEBGPU_SYSTEM_VULKAN === '1' || HARDWARE_ICDS.some((f) => existsSync(f));
  if (!process.env.VK_ICD_FILENAMES && !system && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  return { icd: process.env.VK_ICD_FILENAMES };
}

export async function createNodeDevice(): Promise<NodeDevice> {
  const { icd } = configureNodeVulkan();
  let mod: { create: (o: string[]) => GPU; globals: object };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (err) {
    throw new WebGpuKernelsError('unsupported', `the "webgpu" package (Dawn for Node) failed to load: ${err instanceof Error ? err.message : String(err)}`);
  }
  // GPUBufferUsage, GPUMapMode, GPUShaderStage... as in a browser.
  Object.assign(globalThis, mod.globals);
  instance ??= mod.create([]);
  const adapter = await instance.requestAdapter();
  if (!adapter) {
    const hint = icd
      ? `VK_ICD_FILENAMES=${icd}${existsSync(icd) ? '' : ' (file missing)'}`
      : `no Vulkan ICD: install Debian's chromium and libvulkan1 so that ${SWIFTSHADER_ICD} exists, or set VK_ICD_FILENAMES`;
    throw new WebGpuKernelsError('unsupported', `Dawn found no WebGPU adapter (${hint})`);
  }
  // Ask for the adapter's storage limits: 16 rows x 262144 vocab x 4 bytes must bind in one go.
  const lim = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
    },
  });
  const info = adapter.info;
  const adapterName = `${info.vendor || '?'} ${info.architecture || '?'} (${info.description || info.device || 'unknown'})`;
  return {
    device,
    adapter,
    adapterName,
    destroy() {
      device.destroy();
    },
  };
}

/** Lets the process exit: Dawn keeps Node alive while its instance is referenced. */
export function releaseNodeGpu(): void {
  instance = undefined;
}
