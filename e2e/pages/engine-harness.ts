/**
 * Test page module: runs the engine directly in the page (no worker) so e2e tests can compare
 * backends and measure GPU memory. Loaded by e2e/engine.e2e.ts through the Vite dev server.
 */
import { probeCapabilities } from '../../src/engine/capabilities.ts';
import { decodeConfig } from '../../src/engine/config/index.ts';
import { createKernels } from '../../src/engine/kernels/index.ts';
import { configureModelSources, ModelRunner, ortWebGpuDevice, type Backend } from '../../src/engine/model/runner.ts';
import { EngineSession } from '../../src/engine/session.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import { gpuLive } from './gpu-live.ts';

const sessions = new Map<string, EngineSession>();

/** One engine session per backend, as the worker builds it (target, and draft when needed). */
async function session(backend: Exclude<Backend, 'cpu'>, gpuKernels: boolean): Promise<EngineSession> {
  const key = `${backend}|${gpuKernels}`;
  let s = sessions.get(key);
  if (!s) {
    s = new EngineSession({
      caps: backend === 'webgpu' ? await probeCapabilities() : { webgpu: false, reason: 'test asked for WASM' },
      inNode: false,
      createKernels: (b) => (b === 'webgpu' && gpuKernels ? createKernels('webgpu', { device: ortWebGpuDevice(), fallbackToCpu: false }) : createKernels('cpu')),
      beforeLoad: () => configureModelSources({ localModelPath: '/models/', allowRemoteModels: false, wasmPaths: `${location.origin}/ort/` }),
    });
    sessions.set(key, s);
  }
  return s;
}

/** `gpuKernels`: WGSL kernels reading ORT's logits in place (webgpu only); else the CPU kernels. */
async function run(query: string, backend: 'webgpu' | 'wasm', sampleEvery = 0, gpuKernels = false) {
  const { config, warnings } = decodeConfig(query);
  const memory: { token: number; bytes: number; buffers: number }[] = [];
  const events = (await session(backend, gpuKernels)).run({ ...config, backend, dtype: 'fp32' });
  const tapped = (async function* () {
    for await (const e of events) {
      if (sampleEvery && e.type === 'token' && e.index % sampleEvery === 0) memory.push({ token: e.index, bytes: gpuLive.bytes, buffers: gpuLive.buffers });
      yield e;
    }
  })();
  const trace = await collectTrace(tapped);
  return {
    warnings,
    reason: trace.end.reason,
    error: trace.end.error,
    ids: trace.tokens.map((t) => t.id),
    sources: trace.tokens.map((t) => t.source),
    events: trace.events,
    text: trace.end.text,
    kernels: trace.start.kernels,
    stats: trace.end.stats,
    memory,
  };
}

const runners = new Map<string, ModelRunner>();

/** The raw model in the page: logits of every position, with and without the KV cache. */
async function modelCheck(model: string, backend: 'webgpu' | 'wasm', ids: number[], split: number) {
  const key = `${model}|${backend}`;
  let r = runners.get(key);
  if (!r) {
    configureModelSources({ localModelPath: '/models/', allowRemoteModels: false, wasmPaths: `${location.origin}/ort/` });
    r = await ModelRunner.load({ model, backend, dtype: 'fp32' });
    runners.set(key, r);
  }
  const full = r.newSequence();
  const all = await r.readLogits(full, [ids]);
  full.dispose();
  // Same positions through the cache: a prefill of `split` tokens, then one token at a time.
  const cached = r.newSequence();
  const parts = [await r.readLogits(cached, [ids.slice(0, split)])];
  for (const id of ids.slice(split)) parts.push(await r.readLogits(cached, [[id]]));
  cached.dispose();
  const stepwise = new Float32Array(all.logits.length);
  let off = 0;
  for (const p of parts) {
    stepwise.set(p.logits, off);
    off += p.logits.length;
  }
  return { vocab: all.vocab, full: Array.from(all.logits), cached: Array.from(stepwise) };
}

/** Mean negative log-likelihood of `ids[1..]` given the previous tokens (one forward). */
async function meanNll(model: string, backend: 'webgpu' | 'wasm', ids: number[]) {
  await modelCheck(model, backend, ids.slice(0, 2), 1);
  const r = runners.get(`${model}|${backend}`)!;
  const seq = r.newSequence();
  const out = await r.readLogits(seq, [ids.slice(0, -1)]);
  seq.dispose();
  let nll = 0;
  for (let t = 0; t < out.rows; t++) {
    const row = out.logits.subarray(t * out.vocab, (t + 1) * out.vocab);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let z = 0;
    for (const x of row) z += Math.exp(x - max);
    nll -= row[ids[t + 1]] - max - Math.log(z);
  }
  return { nll: nll / out.rows, tokens: out.rows };
}

(window as unknown as { harness: unknown }).harness = { run, gpuLive, modelCheck, meanNll };
document.title = 'engine harness ready';
