/**
 * The three places our engine runs in the benchmarks: Node on the CPU (onnxruntime-node, CPU
 * kernels), and Chromium on WASM (CPU kernels) or WebGPU (WGSL kernels reading ORT's logits in
 * place, as the app's worker does). Each gives a `run(query)` returning the same OurRun record.
 */
import { getHeapStatistics } from 'node:v8';
import { decodeConfig } from '../../src/engine/config/index.ts';
import { createNodeSession } from '../../src/engine/node.ts';
import type { EngineSession } from '../../src/engine/session.ts';
import { getBrowser, type BenchBrowser } from './browser.ts';
import { runOurs, type OurRun } from './loops.ts';

export type BenchBackend = 'cpu' | 'wasm' | 'webgpu';
export const ALL_BACKENDS: BenchBackend[] = ['cpu', 'wasm', 'webgpu'];

export const nodeHeap = (): number => getHeapStatistics().used_heap_size;

let nodeSession: EngineSession | undefined;
export function sharedNodeSession(): EngineSession {
  nodeSession ??= createNodeSession();
  return nodeSession;
}

export async function closeNodeSession(): Promise<void> {
  const s = nodeSession;
  nodeSession = undefined;
  await s?.unload();
}

export interface Target {
  backend: BenchBackend;
  run(query: string, sampleEvery?: number): Promise<OurRun>;
  browser?: BenchBrowser;
}

export async function target(backend: BenchBackend, opts: { gpuKernels?: boolean } = {}): Promise<Target> {
  if (backend === 'cpu') {
    const s = sharedNodeSession();
    return {
      backend,
      run: (query, sampleEvery = 0) => {
        const { config, warnings } = decodeConfig(query);
        if (warnings.length) throw new Error(`bench query "${query}": ${warnings.join('; ')}`);
        return runOurs(s, config, { heap: nodeHeap, sampleEvery });
      },
    };
  }
  const b = await getBrowser();
  const gpuKernels = backend === 'webgpu' && opts.gpuKernels !== false;
  return { backend, browser: b, run: (query, sampleEvery = 0) => b.call('run', query, backend, gpuKernels, sampleEvery) };
}

/** A run that must reach its token budget: errors surface instead of becoming fast, empty rows. */
export function checked(r: OurRun, what: string): OurRun {
  if (r.reason === 'error') throw new Error(`${what}: ${r.error ?? 'run failed'}`);
  return r;
}

export const q = (params: Record<string, string | number>): string =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
