import type { Kernels } from '../types.ts';
import { CpuKernels } from './cpu-kernels.ts';

export { CpuKernels } from './cpu-kernels.ts';
export { verifyChainWithUniforms, acceptDraft, residual } from './speculative.ts';
export { buildChain } from './processors/index.ts';
export { relaxedDriftOf, relaxedMass, walkTree } from './tree.ts';

/** The CPU reference kernels (Node, tests, and the browser fallback when WebGPU is lost). */
export async function createCpuKernels(): Promise<Kernels> {
  return new CpuKernels();
}
