/**
 * The page's handle on the engine worker: one worker per page, created on first use, wrapped with
 * Comlink. The UI never touches tensors; it receives plain-JSON trace events and progress.
 * `resetEngine()` terminates the worker (cancelling a download or recovering from a crash); the
 * next call starts a fresh one.
 */
import * as Comlink from 'comlink';
import type { EngineApi } from '../../worker/protocol.ts';
import { parseHubMirror } from '../../engine/model/hub-mirror.ts';

/** Dev builds only: `?hub_mirror=http://127.0.0.1:PORT/` serves hub models from a loopback mirror (e2e tests). */
const HUB_MIRROR = import.meta.env.DEV ? parseHubMirror(new URLSearchParams(location.search).get('hub_mirror')) : undefined;

let worker: Worker | undefined;
let api: Comlink.Remote<EngineApi> | undefined;
const crashListeners = new Set<(message: string) => void>();

export function engine(): Comlink.Remote<EngineApi> {
  if (!api) {
    worker = new Worker(new URL('../../worker/engine.worker.ts', import.meta.url), { type: 'module' });
    worker.addEventListener('error', (e) => {
      const msg = e.message || 'the engine worker stopped (it may have run out of memory)';
      for (const l of crashListeners) l(msg);
    });
    api = Comlink.wrap<EngineApi>(worker);
    if (HUB_MIRROR) void api.useHubMirror(HUB_MIRROR);
  }
  return api;
}

export function resetEngine(): void {
  worker?.terminate();
  api?.[Comlink.releaseProxy]();
  worker = undefined;
  api = undefined;
}

export function onEngineCrash(l: (message: string) => void): () => void {
  crashListeners.add(l);
  return () => crashListeners.delete(l);
}

export { Comlink };
