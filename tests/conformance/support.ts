/**
 * Shared by the conformance tests: the fixture models (tools/fixtures), generated once into a
 * folder under the system temp dir (stamped by generator version, so later runs reuse it), and
 * transformers.js pointed at that folder with remote downloads off.
 */
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env } from '@huggingface/transformers';
import { FIXTURES, NO_CACHE_FIXTURE, type FixtureSpec } from '../../tools/fixtures/specs.ts';
import { writeFixture } from '../../tools/fixtures/write.ts';
import type { DType } from '../../src/engine/model/runner.ts';
import { configureModelSources } from '../../src/engine/model/runner.ts';
import { createKernels } from '../../src/engine/kernels/index.ts';
import { EngineSession } from '../../src/engine/session.ts';

export const FIXTURES_DIR = path.join(os.tmpdir(), 'decoding-playground-hub-fixtures');
export const PROMPT = 'Once upon a time, in a land far away,';

/** Writes every fixture (a no-op for folders already written by this generator version). */
export function ensureFixtures(list: readonly FixtureSpec[] = [...FIXTURES, NO_CACHE_FIXTURE]): string {
  for (const f of list) writeFixture(FIXTURES_DIR, f);
  return FIXTURES_DIR;
}

/** The dtypes a fixture ships, e.g. ['fp32', 'q8'] or ['fp16', 'q4f16']. */
export function dtypesOf(f: FixtureSpec): DType[] {
  const byFile: Record<string, DType> = { 'model.onnx': 'fp32', 'model_quantized.onnx': 'q8', 'model_fp16.onnx': 'fp16', 'model_q4f16.onnx': 'q4f16' };
  return Object.keys(f.files).map((file) => byFile[file]);
}

export function useFixturesInTransformers(): void {
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = FIXTURES_DIR + '/';
}

/** transformers.js `generate()` greedy on the same files: the reference our engine must equal. */
export async function referenceGreedy(id: string, dtype: DType, prompt: string, maxNewTokens: number): Promise<number[]> {
  useFixturesInTransformers();
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const tok: any = await AutoTokenizer.from_pretrained(id);
  return referenceGreedyIds(id, dtype, Array.from(tok.encode(prompt, { add_special_tokens: false }) as number[]), maxNewTokens);
}

/** `referenceGreedy` from prompt ids (e.g. a chat template's). */
export async function referenceGreedyIds(id: string, dtype: DType, promptIds: number[], maxNewTokens: number): Promise<number[]> {
  useFixturesInTransformers();
  const model: any = await AutoModelForCausalLM.from_pretrained(id, { device: 'cpu', dtype } as never);
  try {
    const n = promptIds.length;
    const input_ids = new Tensor('int64', BigInt64Array.from(promptIds.map(BigInt)), [1, n]);
    const attention_mask = new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    const out = await model.generate({ input_ids, attention_mask, max_new_tokens: maxNewTokens, do_sample: false });
    return Array.from(out.data as BigInt64Array, Number).slice(n);
  } finally {
    await model.dispose();
  }
}

export function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'cli/main.ts', ...args], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An engine session on the fixtures folder with the CPU or the WGSL kernels (Dawn `device`). */
export function fixtureSession(kernels: 'cpu' | 'webgpu', device: GPUDevice): EngineSession {
  return new EngineSession({
    caps: { webgpu: false, reason: 'Node runs models on the CPU' },
    inNode: true,
    createKernels: () => createKernels(kernels, { device, fallbackToCpu: false }),
    beforeLoad: () => configureModelSources({ localModelPath: FIXTURES_DIR + '/', allowRemoteModels: false }),
  });
}
