/**
 * Dawn (WebGPU in Node) for the WebGPU kernel tests: a device that fails loudly when no adapter
 * exists, and the per-file setup the tests share. The setup assigns the exported `nd`, `gpu` and
 * `cpu` (live bindings) in beforeAll and destroys them in afterAll.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { createCpuKernels } from '../../src/engine/kernels/cpu/index.ts';
import type { Kernels } from '../../src/engine/kernels/types.ts';
import { createWebGpuKernels } from '../../src/engine/kernels/webgpu/index.ts';
import { createNodeDevice, SWIFTSHADER_ICD } from '../../src/engine/kernels/webgpu/node-device.ts';
import type { NodeDevice } from '../../src/engine/kernels/webgpu/node-device.ts';
import type { WebGpuKernels } from '../../src/engine/kernels/webgpu/webgpu-kernels.ts';

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

export let nd: NodeDevice;
export let gpu: WebGpuKernels;
export let cpu: Kernels;

/** This test file gets a Dawn device (`nd`). */
export function useDawnDevice(): void {
  beforeAll(async () => {
    nd = await requireNodeDevice();
  });
  afterAll(() => nd?.destroy());
}

/** This test file gets a Dawn device (`nd`), the WebGPU kernels on it (`gpu`) and the CPU kernels (`cpu`). */
export function useDawnKernels(): void {
  beforeAll(async () => {
    nd = await requireNodeDevice();
    gpu = await createWebGpuKernels(nd.device);
    cpu = await createCpuKernels();
  });
  afterAll(() => {
    gpu?.destroy();
    nd?.destroy();
  });
}
