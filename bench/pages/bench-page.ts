/**
 * Benchmark page: the engine in the page (no worker, as e2e/pages/engine-harness.ts does) plus
 * transformers.js `generate()` on the same model and raw forward costs, so the Node drivers in
 * bench/*.ts can measure both side by side in one Chromium. Exposes `window.bench`.
 */
import { probeCapabilities } from '../../src/engine/capabilities.ts';
import { DEFAULT_DRAFT, DEFAULT_MODEL, STRATEGIES, decodeConfig } from '../../src/engine/config/index.ts';
import { createKernels } from '../../src/engine/kernels/index.ts';
import { ModelRunner, configureModelSources, ortWebGpuDevice } from '../../src/engine/model/runner.ts';
import { EngineSession } from '../../src/engine/session.ts';
import { forwardCost, loadPeer, runOurs, runPeer, type OurRun, type Peer, type PeerRun } from '../lib/loops.ts';
import { gpuLive } from '../../e2e/pages/gpu-live.ts';

type WebBackend = 'webgpu' | 'wasm';

const configure = () => configureModelSources({ localModelPath: '/models/', allowRemoteModels: false, wasmPaths: `${location.origin}/ort/` });
const heap = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;

const sessions = new Map<string, EngineSession>();
/** One session per backend, kernels and draft need: alternating strategies never reloads models. */
async function session(backend: WebBackend, gpuKernels: boolean, withDraft: boolean): Promise<EngineSession> {
  const key = `${backend}|${gpuKernels}|${withDraft}`;
  let s = sessions.get(key);
  if (!s) {
    s = new EngineSession({
      caps: backend === 'webgpu' ? await probeCapabilities() : { webgpu: false, reason: 'bench asked for WASM' },
      inNode: false,
      createKernels: (b) => (b === 'webgpu' && gpuKernels ? createKernels('webgpu', { device: ortWebGpuDevice(), fallbackToCpu: false }) : createKernels('cpu')),
      beforeLoad: configure,
    });
    sessions.set(key, s);
  }
  return s;
}

async function run(query: string, backend: WebBackend, gpuKernels: boolean, sampleEvery = 0, deadlineMs = 0, probeHeap = true): Promise<OurRun> {
  const { config } = decodeConfig(query);
  return runOurs(await session(backend, gpuKernels, STRATEGIES[config.strategy].needsDraft), { ...config, backend, dtype: 'fp32' }, { heap: probeHeap ? heap : undefined, gpu: backend === 'webgpu' ? () => ({ ...gpuLive }) : undefined, sampleEvery, deadlineMs: deadlineMs || undefined });
}

const peers = new Map<WebBackend, Peer>();
async function peer(backend: WebBackend, prompt: string, n: number, sampling?: { temperature: number; top_k: number }): Promise<PeerRun> {
  let p = peers.get(backend);
  if (!p) {
    configure();
    p = await loadPeer(DEFAULT_MODEL, backend);
    peers.set(backend, p);
  }
  return runPeer(p, prompt, n, sampling);
}

const runners = new Map<string, ModelRunner>();
async function runner(backend: WebBackend, which: 'target' | 'draft'): Promise<ModelRunner> {
  const key = `${backend}|${which}`;
  let r = runners.get(key);
  if (!r) {
    configure();
    r = await ModelRunner.load({ model: which === 'target' ? DEFAULT_MODEL : DEFAULT_DRAFT, backend, dtype: 'fp32' });
    runners.set(key, r);
  }
  return r;
}

/** Median ms of one forward pass of `tokens` new tokens in `rows` rows after `contextIds`. */
async function forwardMs(backend: WebBackend, which: 'target' | 'draft', contextIds: number[], tokens: number, rows: number, reps: number): Promise<number> {
  return forwardCost(await runner(backend, which), contextIds, tokens, reps, rows);
}

async function encode(text: string): Promise<number[]> {
  return (await runner('wasm', 'target')).encode(text);
}

async function decode(ids: number[]): Promise<string> {
  return (await runner('wasm', 'target')).decode(ids);
}

async function info() {
  let adapter = 'none';
  try {
    const a = await navigator.gpu?.requestAdapter();
    if (a) {
      const i = a.info;
      adapter = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'unknown adapter';
    }
  } catch (err) {
    adapter = `error: ${err instanceof Error ? err.message : String(err)}`;
  }
  return { userAgent: navigator.userAgent, adapter, crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency };
}

/** Drops every loaded model and session (between suites in one page). */
async function reset(): Promise<void> {
  for (const s of sessions.values()) await s.unload();
  sessions.clear();
  for (const p of peers.values()) await p.model.dispose();
  peers.clear();
  for (const r of runners.values()) await r.dispose();
  runners.clear();
}

const api = { info, run, peer, forwardMs, encode, decode, reset, gpuLive };
export type BenchPageApi = typeof api;
(window as unknown as { bench: BenchPageApi }).bench = api;
document.title = 'bench page ready';
