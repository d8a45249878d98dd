/**
 * The engine in Node (CLI, tests, benchmarks): models from public/models (hub ids allowed when
 * online), onnxruntime-node on the CPU, CPU kernels.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { createKernels } from './kernels/index.ts';
import { configureModelSources } from './model/runner.ts';
import { isEmbeddedModel } from './model/catalog.ts';
import { EngineSession } from './session.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const MODELS_DIR = resolve(REPO_ROOT, 'public/models') + '/';

export function createNodeSession(): EngineSession {
  return new EngineSession({
    caps: { webgpu: false, reason: 'Node runs the CPU backend' },
    inNode: true,
    createKernels: () => createKernels('cpu'),
    beforeLoad: (model) => configureModelSources({ localModelPath: MODELS_DIR, allowRemoteModels: !isEmbeddedModel(model) }),
  });
}
