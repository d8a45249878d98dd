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

/** `modelsDir`: a local hub-layout folder (`<dir>/<org>/<name>/...`) used instead, never the network. */
export function createNodeSession(opts: { modelsDir?: string } = {}): EngineSession {
  const local = opts.modelsDir && resolve(opts.modelsDir) + '/';
  return new EngineSession({
    caps: { webgpu: false, reason: 'Node runs the CPU backend' },
    inNode: true,
    createKernels: () => createKernels('cpu'),
    beforeLoad: (model) =>
      configureModelSources(
        local ? { localModelPath: local, allowRemoteModels: false } : { localModelPath: MODELS_DIR, allowRemoteModels: !isEmbeddedModel(model) },
      ),
  });
}
