/// <reference lib="webworker" />
/**
 * The engine's Web Worker: models, kernels and the decode loop run here so the page never
 * freezes. Exposed over Comlink as `EngineApi`.
 */
import * as Comlink from 'comlink';
import { probeCapabilities, type Capabilities } from '../engine/capabilities.ts';
import { createKernels } from '../engine/kernels/index.ts';
import { isEmbeddedModel } from '../engine/model/catalog.ts';
import { configureModelSources, ortWebGpuDevice } from '../engine/model/runner.ts';
import { EngineSession } from '../engine/session.ts';
import { keptSetCounts } from '../engine/analysis/keptSet.ts';
import { parseHubMirror } from '../engine/model/hub-mirror.ts';
import type { EngineApi } from './protocol.ts';

const origin = self.location.origin;
let caps: Promise<Capabilities> | undefined;
const capabilities = () => (caps ??= probeCapabilities());

let session: EngineSession | undefined;
let hubMirror: string | undefined;
async function getSession(): Promise<EngineSession> {
  if (!session) {
    session = new EngineSession({
      caps: await capabilities(),
      inNode: false,
      // WGSL kernels on ORT's own device (buffers cannot cross devices); CPU kernels otherwise,
      // and as the fallback when the WebGPU kernels cannot start.
      createKernels: (backend) =>
        backend === 'webgpu' && ortWebGpuDevice() ? createKernels('webgpu', { device: ortWebGpuDevice() }) : createKernels('cpu'),
      // Embedded models never touch the network; hub ids may download (the page asked first).
      beforeLoad: (model) =>
        configureModelSources({
          // A path, not a URL: transformers.js skips its local lookup for http(s) URLs.
          localModelPath: '/models/',
          allowRemoteModels: !isEmbeddedModel(model),
          wasmPaths: `${origin}/ort/`,
          remoteHost: hubMirror,
        }),
    });
  }
  return session;
}

let abort: AbortController | undefined;

const api: EngineApi = {
  capabilities,
  async load(config, onProgress) {
    return (await getSession()).ensureLoaded(config, onProgress);
  },
  async run(config, query, onEvent, onProgress) {
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    const s = await getSession();
    for await (const event of s.run(config, { query, signal: controller.signal, onProgress })) onEvent(event);
  },
  async analyze(config, text, onProgress) {
    return (await getSession()).analyze(config, text, onProgress);
  },
  async keptSet(config, emitted, settings, temperatures) {
    const { logits, promptTokens } = await (await getSession()).stepLogits(config, emitted);
    return { points: keptSetCounts(logits, temperatures, settings), promptTokens, vocab: logits.length };
  },
  cancel() {
    abort?.abort();
  },
  useHubMirror(url) {
    if (!import.meta.env.DEV) throw new Error('a hub mirror is for development builds only');
    hubMirror = parseHubMirror(url);
    if (!hubMirror) throw new Error(`hub mirror ${url} is not a loopback http(s) URL`);
  },
};

Comlink.expose(api);
