/**
 * The run's time split (stats.timing) on the embedded models: model + kernels + other add up to the
 * wall time for plain, draft-model and model-free speculative strategies; and the kernels wrapper
 * times calls without changing what the kernels are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuKernels } from './kernels/cpu/index.ts';
import { CpuKernels } from './kernels/cpu/cpu-kernels.ts';
import { hasVerifyTree, type Kernels } from './kernels/types.ts';
import type { ModelRunner } from './model/runner.ts';
import { generate } from './generate.ts';
import { collectTrace } from './trace/collect.ts';
import { processorConfig } from './strategies/processor-config.ts';
import { timedKernels } from './timing.ts';
import { DRAFT, TARGET, loadEmbedded, validConfig } from '../../tests/support/embedded.ts';

let target: ModelRunner;
let draft: ModelRunner;
let kernels: Kernels;

beforeAll(async () => {
  target = await loadEmbedded(TARGET);
  draft = await loadEmbedded(DRAFT);
  kernels = await createCpuKernels();
});
afterAll(async () => {
  await target?.dispose();
  await draft?.dispose();
});

describe('stats.timing', () => {
  for (const strategy of ['greedy', 'spec-chain', 'prompt-lookup', 'recycling'] as const) {
    it(`${strategy}: model + kernels + other = wall time, every part finite and >= 0`, async () => {
      const config = validConfig({ strategy, prompt: 'The old man said that the old man', max_new_tokens: 24 });
      const { end } = await collectTrace(generate(config, { target, draft, kernels }));
      expect(end.reason, end.error).toBe('max_tokens');
      const { wallMs, timing: t } = end.stats;
      for (const v of Object.values(t)) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
      expect(t.modelMs + t.kernelsMs + t.otherMs).toBeCloseTo(wallMs, 6);
      expect(t.targetModelMs + t.draftModelMs).toBeCloseTo(t.modelMs, 6);
      expect(t.targetModelMs).toBeGreaterThan(0);
      expect(t.kernelsMs).toBeGreaterThan(0);
      // Only spec-chain runs the draft model; its forwards are model time too, and the kernel
      // time of its rows is a part of the kernel time.
      if (strategy === 'spec-chain') {
        expect(t.draftModelMs).toBeGreaterThan(0);
        expect(t.draftKernelsMs).toBeGreaterThan(0);
        expect(t.draftKernelsMs).toBeLessThan(t.kernelsMs);
      } else {
        expect(t.draftModelMs).toBe(0);
        expect(t.draftKernelsMs).toBe(0);
      }
    });
  }

  it('is per run: a short run after a long one reports its own time, not the sum', async () => {
    const run = (max_new_tokens: number) => collectTrace(generate(validConfig({ strategy: 'spec-chain', prompt: 'The old man', max_new_tokens }), { target, draft, kernels }));
    const long = (await run(32)).end.stats;
    const short = (await run(2)).end.stats;
    expect(short.timing.modelMs + short.timing.kernelsMs).toBeLessThanOrEqual(short.wallMs);
    expect(short.timing.targetModelMs).toBeLessThan(long.timing.targetModelMs);
    expect(short.timing.draftModelMs).toBeLessThan(long.timing.draftModelMs);
  });
});

describe('timedKernels', () => {
  it('adds the time of every call (sync and async) and keeps the class and the optional methods', async () => {
    const cpu = new CpuKernels();
    const clock = { ms: 0 };
    const k = timedKernels(cpu, clock);
    expect(k instanceof CpuKernels).toBe(true);
    expect(hasVerifyTree(k)).toBe(true);
    expect(k.backend).toBe('cpu');
    const logits = await k.createLogits(new Float32Array(4096).map((_, i) => Math.sin(i)), 1, 4096);
    const before = clock.ms;
    const t0 = performance.now();
    await k.step(logits, { rows: [{ config: processorConfig(validConfig({})), choose: 'greedy', seed: 1, step: 0 }], topK: 5 });
    const elapsed = performance.now() - t0;
    expect(clock.ms - before).toBeGreaterThan(0);
    expect(clock.ms - before).toBeLessThanOrEqual(elapsed + 1e-6);
    k.dispose(logits);
    expect(k.step).toBe(k.step); // one wrapper per method
    const noTree = timedKernels({ ...cpu, backend: 'webgpu' } as unknown as Kernels, clock);
    expect(hasVerifyTree(noTree)).toBe(false);
  });

  it('wrapped again (the draft kernels), times each call once into both clocks', async () => {
    const run = { ms: 0 };
    const draft = { ms: 0 };
    const k = timedKernels(timedKernels(new CpuKernels(), run), draft);
    expect(k instanceof CpuKernels).toBe(true);
    const logits = await k.createLogits(new Float32Array(4096).map((_, i) => Math.sin(i)), 1, 4096);
    for (let i = 0; i < 20; i++) await k.step(logits, { rows: [{ config: processorConfig(validConfig({})), choose: 'greedy', seed: 1, step: i }], topK: 5 });
    k.dispose(logits);
    expect(draft.ms).toBeGreaterThan(0);
    // one interval per call added to both: equal up to the order of float additions
    expect(run.ms).toBeCloseTo(draft.ms, 9);
  });
});
