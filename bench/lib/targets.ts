/**
 * The three places our engine runs in the benchmarks: Node on the CPU (onnxruntime-node, CPU
 * kernels), and Chromium on WASM (CPU kernels) or WebGPU (WGSL kernels reading ORT's logits in
 * place, as the app's worker does). Each gives a `run(query)` returning the same OurRun record.
 */
import { getHeapStatistics } from 'node:v8';
import { DEFAULT_DRAFT, DEFAULT_MODEL, STRATEGIES, decodeConfig } from '../../src/engine/config/index.ts';
import { ModelRunner, configureModelSources } from '../../src/engine/model/runner.ts';
import { MODELS_DIR, createNodeSession } from '../../src/engine/node.ts';
import type { EngineSession } from '../../src/engine/session.ts';
import { getBrowser, type BenchBrowser } from './browser.ts';
import { forwardCost, runOurs, type OurRun } from './loops.ts';

export type BenchBackend = 'cpu' | 'wasm' | 'webgpu';
export const ALL_BACKENDS: BenchBackend[] = ['cpu', 'wasm', 'webgpu'];

export const nodeHeap = (): number => getHeapStatistics().used_heap_size;

/**
 * Two Node sessions: one for strategies with a draft model and one without, so alternating them
 * (interleaved repetitions) never reloads the models.
 */
const nodeSessions = new Map<boolean, EngineSession>();
export function sharedNodeSession(withDraft = false): EngineSession {
  let s = nodeSessions.get(withDraft);
  if (!s) {
    s = createNodeSession();
    nodeSessions.set(withDraft, s);
  }
  return s;
}

export async function closeNodeSession(): Promise<void> {
  const all = [...nodeSessions.values()];
  nodeSessions.clear();
  for (const s of all) await s.unload();
  await closeCostProbes();
}

export interface Target {
  backend: BenchBackend;
  /** One run; `deadlineMs` cancels it (reason 'cancelled', stats so far); `probeHeap` false: no heap figures (timing comparisons). */
  run(query: string, sampleEvery?: number, deadlineMs?: number, probeHeap?: boolean): Promise<OurRun>;
  browser?: BenchBrowser;
}

export async function target(backend: BenchBackend, opts: { gpuKernels?: boolean } = {}): Promise<Target> {
  if (backend === 'cpu') {
    return {
      backend,
      run: (query, sampleEvery = 0, deadlineMs = 0, probeHeap = true) => {
        const { config, warnings } = decodeConfig(query);
        if (warnings.length) throw new Error(`bench query "${query}": ${warnings.join('; ')}`);
        return runOurs(sharedNodeSession(STRATEGIES[config.strategy].needsDraft), config, { heap: probeHeap ? nodeHeap : undefined, sampleEvery, deadlineMs: deadlineMs || undefined });
      },
    };
  }
  const b = await getBrowser();
  const gpuKernels = backend === 'webgpu' && opts.gpuKernels !== false;
  return { backend, browser: b, run: (query, sampleEvery = 0, deadlineMs = 0, probeHeap = true) => b.call('run', query, backend, gpuKernels, sampleEvery, deadlineMs, probeHeap) };
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

/** Raw forward-pass costs on a backend (ModelRunner directly, no strategy, no kernels). */
export interface CostProbe {
  forwardMs(which: 'target' | 'draft', contextIds: number[], tokens: number, rows: number, reps: number): Promise<number>;
  encode(text: string): Promise<number[]>;
  decode(ids: number[]): Promise<string>;
}

const nodeRunners = new Map<string, Promise<ModelRunner>>();
export async function costProbe(backend: BenchBackend): Promise<CostProbe> {
  if (backend !== 'cpu') {
    const b = await getBrowser();
    const be = backend;
    return {
      forwardMs: (which, ctx, tokens, rows, reps) => b.call('forwardMs', be, which, ctx, tokens, rows, reps),
      encode: (text) => b.call('encode', text),
      decode: (ids) => b.call('decode', ids),
    };
  }
  const runner = (which: 'target' | 'draft') => {
    let r = nodeRunners.get(which);
    if (!r) {
      configureModelSources({ localModelPath: MODELS_DIR, allowRemoteModels: false });
      r = ModelRunner.load({ model: which === 'target' ? DEFAULT_MODEL : DEFAULT_DRAFT, backend: 'cpu', dtype: 'fp32' });
      nodeRunners.set(which, r);
    }
    return r;
  };
  return {
    forwardMs: async (which, ctx, tokens, rows, reps) => forwardCost(await runner(which), ctx, tokens, reps, rows),
    encode: async (text) => (await runner('target')).encode(text),
    decode: async (ids) => (await runner('target')).decode(ids),
  };
}

export async function closeCostProbes(): Promise<void> {
  const rs = [...nodeRunners.values()];
  nodeRunners.clear();
  for (const r of rs) await (await r).dispose();
}
