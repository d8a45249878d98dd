/**
 * CPU and WGSL kernels (Node + Dawn through the `webgpu` package, SwiftShader where there is no
 * GPU, as the src/engine/kernels/webgpu tests run) give the same tokens on the hub fixtures'
 * real vocabularies: 151,936 (Qwen2.5) and 262,144 (Gemma 3), greedy and seeded sampling, through
 * the engine session. And fp16 logits (q4f16 exports) go through the WGSL f16 path: the model's
 * own fp16 logits, bit for bit, in a GPU buffer read as packed f16, step for step against the CPU.
 * No GPU adapter = the suite fails with the reason; it never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, type FixtureSpec } from '../../tools/fixtures/specs.ts';
import { createCpuKernels, createKernels } from '../../src/engine/kernels/index.ts';
import type { GpuLogits, Kernels, RowRequest } from '../../src/engine/kernels/types.ts';
import { requireNodeDevice } from '../support/dawn.ts';
import { packF16 } from '../support/kernels.ts';
import type { NodeDevice } from '../../src/engine/kernels/webgpu/node-device.ts';
import { configureModelSources, ModelRunner } from '../../src/engine/model/runner.ts';
import { normalizeConfig } from '../../src/engine/config/index.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import { FIXTURES_DIR, PROMPT, dtypesOf, ensureFixtures, fixtureSession } from './support.ts';

const NEW_TOKENS = 16;
let nd: NodeDevice;

beforeAll(async () => {
  nd = await requireNodeDevice();
});
afterAll(() => {
  nd?.destroy();
});

const byId = (id: string) => FIXTURES.find((f) => f.id === id)!;

async function tokens(kernels: 'cpu' | 'webgpu', f: FixtureSpec, query: Record<string, unknown>): Promise<{ ids: number[]; ms: number }> {
  const session = fixtureSession(kernels, nd.device);
  try {
    const { config } = normalizeConfig({ model: f.id, dtype: dtypesOf(f)[0], prompt: PROMPT, max_new_tokens: NEW_TOKENS, ...query });
    await session.ensureLoaded(config);
    expect(session.state?.kernels).toBe(kernels);
    const t0 = performance.now();
    const trace = await collectTrace(session.run(config));
    expect(trace.end.reason).not.toBe('error');
    return { ids: trace.tokens.map((t) => t.id), ms: (performance.now() - t0) / Math.max(1, trace.tokens.length) };
  } finally {
    await session.unload();
  }
}

describe.each(['fixtures/tiny-qwen2', 'fixtures/tiny-gemma3'])('%s: CPU and WGSL kernels', (id) => {
  const f = byId(id);
  beforeAll(() => {
    ensureFixtures([f]);
  });

  it.each([
    ['greedy', { strategy: 'greedy' }],
    ['sampling (T 0.8, top_k 50, top_p 0.9)', { strategy: 'sample', temperature: 0.8, top_k: 50, top_p: 0.9, seed: 7 }],
  ])(`same tokens at vocab ${f.arch.vocab}: %s`, async (_name, query) => {
    const cpu = await tokens('cpu', f, query);
    const gpu = await tokens('webgpu', f, query);
    console.log(`${id} ${_name}: cpu kernels ${cpu.ms.toFixed(1)} ms/token, wgsl kernels ${gpu.ms.toFixed(1)} ms/token`);
    expect(gpu.ids).toEqual(cpu.ids);
    expect(gpu.ids.length).toBe(NEW_TOKENS);
  });
});

describe('fp16 logits through the WGSL f16 path', () => {
  let runner: ModelRunner;
  let gpu: Kernels;
  let cpu: Kernels;
  const f = byId('fixtures/tiny-qwen2-fp16');

  beforeAll(async () => {
    ensureFixtures([f]);
    configureModelSources({ localModelPath: FIXTURES_DIR + '/', allowRemoteModels: false });
    runner = await ModelRunner.load({ model: f.id, backend: 'cpu', dtype: 'q4f16' });
    gpu = (await createKernels('webgpu', { device: nd.device, fallbackToCpu: false })).kernels;
    cpu = await createCpuKernels();
  });
  afterAll(async () => {
    gpu?.destroy();
    await runner?.dispose();
  });

  it('the model emits float16 logits, and WGSL on them picks what the CPU picks, 16 steps', async () => {
    const seq = runner.newSequence();
    let next = runner.encode(PROMPT);
    const context: number[] = [...next];
    try {
      for (let step = 0; step < NEW_TOKENS; step++) {
        const out = await runner.readLogits(seq, [next], 1);
        // The runner widened ORT's float16 logits; packing them again is exact (checked here).
        const { packed, rounded } = packF16(out.logits);
        expect(rounded).toEqual(out.logits);
        const buffer = nd.device.createBuffer({ size: packed.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        nd.device.queue.writeBuffer(buffer, 0, packed);
        const logits: GpuLogits = { kind: 'gpu', rows: 1, vocab: out.vocab, buffer, dtype: 'float16' };
        const rows: RowRequest[] = [
          { config: { temperature: 0 }, choose: 'greedy', seed: 1, step },
          { config: { temperature: 0.8, top_p: 0.9, repetition_penalty: 1.2 }, contextIds: context, choose: 'sample', seed: 1, step },
        ];
        const g0 = await gpu.step(logits, { rows: [rows[0]] });
        const g1 = await gpu.step(logits, { rows: [rows[1]] });
        const cl = await cpu.createLogits(out.logits, 1, out.vocab);
        const c0 = await cpu.step(cl, { rows: [rows[0]] });
        const c1 = await cpu.step(cl, { rows: [rows[1]] });
        buffer.destroy();
        expect(g0.rows[0].choice!.token).toBe(c0.rows[0].choice!.token);
        expect(g1.rows[0].choice!.token).toBe(c1.rows[0].choice!.token);
        next = [g0.rows[0].choice!.token];
        context.push(next[0]);
      }
    } finally {
      seq.dispose();
    }
  });
});
