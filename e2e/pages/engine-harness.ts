/**
 * Test page module: runs the engine directly in the page (no worker) so e2e tests can compare
 * backends and measure GPU memory. Loaded by e2e/engine.e2e.ts through the Vite dev server.
 */
import { decodeConfig } from '../../src/engine/config/index.ts';
import { createCpuKernels } from '../../src/engine/kernels/cpu/index.ts';
import { configureModelSources, ModelRunner, type Backend } from '../../src/engine/model/runner.ts';
import { generate } from '../../src/engine/generate.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';

/** Live bytes of every GPUBuffer created and not destroyed (ORT's included: it uses the JS API). */
const gpuLive = { bytes: 0, buffers: 0 };
const sizes = new WeakMap<GPUBuffer, number>();
if (typeof GPUDevice !== 'undefined') {
  const create = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (desc: GPUBufferDescriptor) {
    const b = create.call(this, desc);
    sizes.set(b, desc.size);
    gpuLive.bytes += desc.size;
    gpuLive.buffers++;
    return b;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () {
    const s = sizes.get(this);
    if (s !== undefined) {
      gpuLive.bytes -= s;
      gpuLive.buffers--;
      sizes.delete(this);
    }
    return destroy.call(this);
  };
}

const runners = new Map<string, ModelRunner>();

async function runner(model: string, backend: Backend): Promise<ModelRunner> {
  const key = `${model}|${backend}`;
  let r = runners.get(key);
  if (!r) {
    configureModelSources({ localModelPath: "/models/", allowRemoteModels: false, wasmPaths: `${location.origin}/ort/` });
    r = await ModelRunner.load({ model, backend, dtype: 'fp32' });
    runners.set(key, r);
  }
  return r;
}

async function run(query: string, backend: Backend, sampleEvery = 0) {
  const { config, warnings } = decodeConfig(query);
  const target = await runner(config.model, backend);
  const kernels = await createCpuKernels();
  const memory: { token: number; bytes: number; buffers: number }[] = [];
  const events = generate(config, { target, kernels });
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
    text: trace.end.text,
    stats: trace.end.stats,
    memory,
  };
}

(window as unknown as { harness: unknown }).harness = { run, gpuLive };
document.title = 'engine harness ready';
