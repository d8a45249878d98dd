/**
 * Shared setup of the strategy tests on the embedded models (onnxruntime-node, CPU kernels): the
 * models loaded once per test file, a run to its collected trace, and the reference maths the
 * tests recompute with.
 */
import { afterAll, beforeAll } from 'vitest';
import type { DecodeConfig } from '../../src/engine/config/index.ts';
import { generate, type Engine } from '../../src/engine/generate.ts';
import { createCpuKernels } from '../../src/engine/kernels/cpu/index.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import type { Trace } from '../../src/engine/trace/types.ts';
import { DRAFT, TARGET, loadEmbedded } from './embedded.ts';

export { validConfig as config } from './embedded.ts';

/**
 * The embedded target (and the draft, when asked for) with CPU kernels: loaded before the file's
 * tests and disposed after them, so read the fields inside tests and hooks only.
 */
export function useEmbeddedModels(opts: { draft?: boolean } = {}): Engine {
  const models = {} as Engine;
  beforeAll(async () => {
    models.target = await loadEmbedded(TARGET);
    if (opts.draft) models.draft = await loadEmbedded(DRAFT);
    models.kernels = await createCpuKernels();
  });
  afterAll(async () => {
    await models.target?.dispose();
    await models.draft?.dispose();
  });
  return models;
}

/** Runs a configuration to its end on `engine` and returns its trace. */
export function runTrace(config: DecodeConfig, engine: Engine): Promise<Trace> {
  return collectTrace(generate(config, engine));
}

/** The emitted token ids of a trace. */
export function tokenIds(trace: { tokens: { id: number }[] }): number[] {
  return trace.tokens.map((t) => t.id);
}

/** log-softmax of a logits row, in f64. */
export function logSoftmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  const lz = max + Math.log(z);
  return Array.from(logits, (v) => v - lz);
}
